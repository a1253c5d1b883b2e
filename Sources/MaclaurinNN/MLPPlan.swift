import CMaclaurinKernels
import MaclaurinTensor
import Synchronization

/// The fused derivative path of a `Sequential` made only of `Dense` layers with elementwise
/// activations: the weights extracted once into one buffer, then every derivative computed tile
/// by tile (row tiles side by side on the kernels' threads, buffers reused from a per-thread
/// workspace) with one GEMM per layer for all stacked directions, outputs or Taylor coefficients
/// and fused C kernels for everything elementwise (mlp.c). No tape, no jets, no allocation per
/// operation. Layers: z_l = h_{l-1} W_l + b_l, h_l = f_l(z_l), h_0 = x, y = h_L.
///
/// The entry points are specialised for Float and Double (`@_specialize`): callers are generic
/// over the scalar type, and the tile loops should not pay for generic dispatch on every call.
struct MLPPlan<Scalar: TensorScalar> {
    typealias K = MLPKernels<Scalar>

    /// One dense layer: sizes, activation and the offsets of its weights in `weights`.
    struct Layer {
        var inputs: Int
        var outputs: Int
        var activation: Activation
        var code: mcl_mlp_activation
        var kernel: Int, bias: Int
        /// Offsets of W_l and W_l^T packed for `MLPKernels.product` (forward and reverse sweeps).
        var packed: Int = 0, packedTransposed: Int = 0
        /// f' is not identically 1.
        var isNonlinear: Bool { activation != .linear }
        /// f'' is not identically 0.
        var hasCurvature: Bool { activation != .linear && activation != .relu }
    }

    let layers: [Layer]
    /// Kernels, biases and the last kernel transposed ([m, U_{L-1}], adjoint seeds).
    let weights: WeightBuffer<Scalar>
    let lastKernelTransposed: Int
    let inputs: Int, outputs: Int, widest: Int
    /// W_1 as given (for products built on demand).
    let firstKernel: Tensor<Scalar>

    /// The plan of `model`, or nil when the fast path does not apply (a layer other than
    /// `Dense`, a softmax activation, inputs that are not vectors, or another scalar type).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    init?(_ model: Sequential<Scalar>) {
        guard let dense = Self.denseLayers(of: model) else { return nil }
        let packing = dense.reduce(0) { $0 + K.packedSize($1.inputSize, $1.units) + K.packedSize($1.units, $1.inputSize) }
        let total = dense.reduce(0) { $0 + $1.kernel.count + $1.bias.count } + (dense.last?.kernel.count ?? 0) + packing
        let buffer = WeightBuffer<Scalar>(count: total)
        var offset = 0, built: [Layer] = []
        func store(_ t: Tensor<Scalar>) -> Int {
            let at = offset
            t.withUnsafePointer { buffer.pointer.advanced(by: at).update(from: $0, count: t.count) }
            offset += t.count
            return at
        }
        for d in dense {
            guard let code = Self.code(d.activation) else { return nil }
            built.append(Layer(inputs: d.inputSize, outputs: d.units, activation: d.activation, code: code,
                               kernel: store(d.kernel), bias: store(d.bias)))
        }
        guard let last = dense.last else { return nil }
        lastKernelTransposed = store(last.kernel.transposed())
        for l in built.indices {
            let (k, n, w) = (built[l].inputs, built[l].outputs, UnsafePointer(buffer.pointer + built[l].kernel))
            built[l].packed = offset
            K.pack(transposed: false, k, n, w, ldb: n, into: buffer.pointer + offset)
            offset += K.packedSize(k, n)
            built[l].packedTransposed = offset
            K.pack(transposed: true, n, k, w, ldb: n, into: buffer.pointer + offset)
            offset += K.packedSize(n, k)
        }
        layers = built
        weights = buffer
        firstKernel = dense[0].kernel
        inputs = built[0].inputs
        outputs = last.units
        widest = built.map(\.outputs).max() ?? 1
    }

    /// The layers of `model` when the fused path applies: Float or Double, vector inputs, only
    /// `Dense` layers with elementwise activations (not softmax); nil otherwise.
    static func denseLayers(of model: Sequential<Scalar>) -> [Dense<Scalar>]? {
        guard K.isSupported, model.inputShape.count == 1, !model.layers.isEmpty else { return nil }
        var dense: [Dense<Scalar>] = []
        for layer in model.layers {
            guard let d = layer as? Dense<Scalar>, code(d.activation) != nil else { return nil }
            dense.append(d)
        }
        return dense
    }

    /// The kernel code of an elementwise activation (nil for softmax).
    static func code(_ a: Activation) -> mcl_mlp_activation? {
        switch a {
        case .linear: MCL_MLP_LINEAR
        case .tanh: MCL_MLP_TANH
        case .sigmoid: MCL_MLP_SIGMOID
        case .softplus: MCL_MLP_SOFTPLUS
        case .sin: MCL_MLP_SIN
        case .relu: MCL_MLP_RELU
        case .gelu: MCL_MLP_GELU
        case .exp: MCL_MLP_EXP
        case .softmax: nil
        }
    }

    func kernel(_ l: Int) -> UnsafePointer<Scalar> { UnsafePointer(weights.pointer + layers[l].kernel) }
    func bias(_ l: Int) -> UnsafePointer<Scalar> { UnsafePointer(weights.pointer + layers[l].bias) }
    /// W_l packed (operand of h_{l-1} W_l).
    func packed(_ l: Int) -> UnsafePointer<Scalar> { UnsafePointer(weights.pointer + layers[l].packed) }
    /// W_l^T packed (operand of g W_l^T).
    func packedTransposed(_ l: Int) -> UnsafePointer<Scalar> { UnsafePointer(weights.pointer + layers[l].packedTransposed) }
    var lastKernelT: UnsafePointer<Scalar> { UnsafePointer(weights.pointer + lastKernelTransposed) }
    /// Sum of the layer widths.
    var totalWidth: Int { layers.reduce(0) { $0 + $1.outputs } }

    func checkPoints(_ x: Tensor<Scalar>) {
        precondition(x.rank == 2, "points must be a matrix [points, inputs], got shape \(x.shape)")
        precondition(x.shape[1] == inputs, "the model takes \(inputs) inputs, got points of shape \(x.shape)")
    }

    // MARK: tiles

    /// Rows per tile: the tile's workspace (`scalarsPerRow` per row) stays within about 256 KiB
    /// (L2), between 8 and 512 rows, and there are at least two tiles per thread when the batch
    /// allows, so a thread slowed down by a busy machine leaves little work for the others.
    static func tileRows(points: Int, scalarsPerRow: Int) -> Int {
        let byCache = (256 * 1024) / max(1, scalarsPerRow * MemoryLayout<Scalar>.stride)
        let threads = max(1, KernelInfo.threads)
        let byThreads = (points + 2 * threads - 1) / (2 * threads)
        return max(1, min(512, max(8, min(byCache, byThreads))))
    }

    /// Runs `body(rows, workspace)` on consecutive row tiles of `points` rows, tiles handed out
    /// dynamically to the kernels' threads; each thread reuses one workspace for its tiles.
    static func forEachTile(points: Int, scalarsPerRow: Int, _ body: @escaping (Range<Int>, MLPWorkspace<Scalar>) -> Void) {
        guard points > 0 else { return }
        let tile = tileRows(points: points, scalarsPerRow: scalarsPerRow)
        let tiles = (points + tile - 1) / tile
        func range(_ t: Int) -> Range<Int> { (t * tile)..<min(points, (t + 1) * tile) }
        let workers = min(tiles, max(1, KernelInfo.threads))
        if workers == 1 {
            let ws = MLPWorkspace<Scalar>()
            for t in 0..<tiles { body(range(t), ws) }
            return
        }
        let next = TileCounter()
        MaclaurinTensor.Parallel.forEach(workers) { _ in
            let ws = MLPWorkspace<Scalar>()
            while true {
                let t = next.take()
                if t >= tiles { break }
                body(range(t), ws)
            }
        }
    }

    // MARK: forward pass

    /// The forward pass on `rows` points (x with row stride `inputs`): fills f'_l (order >= 1)
    /// and f''_l (order 2) of every nonlinear layer (in slots `d1(l)`, `d2(l)`) and returns the
    /// output [rows, m] (in a ping-pong slot).
    func forward(_ x: UnsafePointer<Scalar>, rows: Int, derivatives order: Int, _ ws: MLPWorkspace<Scalar>) -> UnsafeMutablePointer<Scalar> {
        var h = x
        var out = ws.buffer(MLPSlot.ping, rows * widest)
        for (l, layer) in layers.enumerated() {
            out = ws.buffer(l % 2 == 0 ? MLPSlot.ping : MLPSlot.pong, rows * widest)
            let n = rows * layer.outputs
            let d1 = order >= 1 && layer.isNonlinear ? ws.buffer(MLPSlot.d1(l), n) : nil
            let d2 = order >= 2 && layer.hasCurvature ? ws.buffer(MLPSlot.d2(l), n) : nil
            K.product(rows, layer.outputs, layer.inputs, h, lda: layer.inputs, packed: packed(l), out, ldc: layer.outputs,
                      activation: layer.code, bias: bias(l), d1: d1, d2: d2)
            h = UnsafePointer(out)
        }
        return out
    }

    /// f'_l of a nonlinear layer from the last forward pass.
    func d1(_ l: Int, rows: Int, _ ws: MLPWorkspace<Scalar>) -> UnsafePointer<Scalar> {
        UnsafePointer(ws.buffer(MLPSlot.d1(l), rows * layers[l].outputs))
    }
    /// f''_l of a layer with curvature from the last forward pass (order 2).
    func d2(_ l: Int, rows: Int, _ ws: MLPWorkspace<Scalar>) -> UnsafePointer<Scalar> {
        UnsafePointer(ws.buffer(MLPSlot.d2(l), rows * layers[l].outputs))
    }
}

/// Workspace slots: two ping-pong activation buffers, then f' and f'' of every layer, then
/// per-mode buffers from `MLPSlot.free` on.
enum MLPSlot {
    static let ping = 0, pong = 1
    static func d1(_ l: Int) -> Int { 2 + 2 * l }
    static func d2(_ l: Int) -> Int { 3 + 2 * l }
    static func free(_ layers: Int) -> Int { 2 + 2 * layers }
}

/// The weights of a plan, in one buffer freed with the plan.
final class WeightBuffer<Scalar: TensorScalar> {
    let pointer: UnsafeMutablePointer<Scalar>
    init(count: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Scalar>.stride, alignment: 64)
            .bindMemory(to: Scalar.self, capacity: max(1, count))
    }
    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// Numbered scratch buffers of one thread, grown on demand and reused from tile to tile (the
/// contents of a slot survive until it has to grow).
final class MLPWorkspace<Scalar: TensorScalar> {
    private var pointers: [UnsafeMutableRawPointer] = []
    private var capacities: [Int] = []

    /// Slot `slot` with room for at least `count` scalars, 64-byte aligned.
    func buffer(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Scalar> {
        let bytes = max(1, count) * MemoryLayout<Scalar>.stride
        while pointers.count <= slot {
            pointers.append(UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64))
            capacities.append(64)
        }
        if capacities[slot] < bytes {
            pointers[slot].deallocate()
            pointers[slot] = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            capacities[slot] = bytes
        }
        return pointers[slot].assumingMemoryBound(to: Scalar.self)
    }

    deinit { for p in pointers { p.deallocate() } }
}

/// The next tile to process, shared by the threads of one call.
final class TileCounter: @unchecked Sendable {
    private let value = Atomic<Int>(0)
    /// Claims a tile index (increasing; past the end when all are taken).
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
