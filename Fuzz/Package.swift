// swift-tools-version:5.9
// The fuzzing harness of Maclaurin's file readers (libFuzzer). Separate from the main package so
// that its build and CI are untouched; see Scripts/fuzz.sh.
import PackageDescription

let package = Package(
    name: "MaclaurinFuzz",
    dependencies: [
        .package(name: "Maclaurin", path: ".."),
    ],
    targets: [
        /// The entry point: hands control to libFuzzer's driver.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "maclaurin-fuzz", dependencies: [
            "FuzzDriver",
            .product(name: "Maclaurin", package: "Maclaurin"),
        ]),
    ]
)
