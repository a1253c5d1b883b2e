// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Maclaurin",
    products: [
        .library(name: "Maclaurin", targets: ["Maclaurin"]),
        .executable(name: "maclaurin", targets: ["maclaurin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: Kernels (C, intrinsics, run-time CPU dispatch)
        .target(name: "CMaclaurinKernels"),

        // MARK: Library modules, in dependency order
        .target(name: "MaclaurinTensor", dependencies: ["CMaclaurinKernels"]),
        .target(name: "MaclaurinAutodiff", dependencies: ["MaclaurinTensor"]),
        .target(name: "MaclaurinNN", dependencies: ["MaclaurinAutodiff"]),
        .target(name: "MaclaurinData", dependencies: ["MaclaurinTensor"], exclude: ["README.md"]),
        .target(name: "MaclaurinTrain", dependencies: ["MaclaurinNN", "MaclaurinData"]),
        /// SVG charts: loss curves, swarm cost histories, a fitted function against its samples.
        .target(name: "MaclaurinPlot", dependencies: ["MaclaurinNN", "MaclaurinData"]),
        .target(name: "Maclaurin", dependencies: [
            "MaclaurinTensor", "MaclaurinAutodiff", "MaclaurinNN", "MaclaurinData", "MaclaurinTrain", "MaclaurinPlot",
        ]),
        /// The side-by-side benchmark workloads (see Benchmarks/README.md).
        .target(name: "MaclaurinBenchmarks", dependencies: ["Maclaurin"]),

        // MARK: Command-line tool
        .executableTarget(name: "maclaurin", dependencies: [
            "Maclaurin", "MaclaurinBenchmarks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(name: "CMaclaurinKernelsTests", dependencies: ["CMaclaurinKernels"]),
        .testTarget(name: "MaclaurinTensorTests", dependencies: ["MaclaurinTensor"]),
        .testTarget(name: "MaclaurinAutodiffTests", dependencies: ["MaclaurinNN"], exclude: ["Fixtures"]),
        .testTarget(name: "MaclaurinNNTests", dependencies: ["MaclaurinNN"]),
        .testTarget(name: "MaclaurinDataTests", dependencies: ["MaclaurinData"], exclude: ["Fixtures"]),
        .testTarget(name: "MaclaurinTrainTests", dependencies: ["MaclaurinTrain"]),
        .testTarget(name: "MaclaurinPlotTests", dependencies: ["MaclaurinPlot", "MaclaurinNN", "MaclaurinData"]),
        .testTarget(name: "MaclaurinCLITests", dependencies: ["maclaurin", "Maclaurin"]),
    ]
)
