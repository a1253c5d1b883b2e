import Foundation
import Maclaurin

/// Reads a model file (.safetensors or the JSON model format) in precision `S`, for `derive` and
/// `evaluate` on derivative data; errors become one-line `CLIError`s naming the file.
func loadModelFile<S: TensorScalar>(_ path: String, as: S.Type, seed: UInt64 = 0) throws -> Sequential<S> {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
        throw CLIError("\(path): no such model file (expected a .safetensors or .json model)")
    }
    do {
        return try ModelFile.load(contentsOf: URL(fileURLWithPath: path), as: S.self, seed: seed)
    } catch {
        throw CLIError("\(error)")
    }
}
