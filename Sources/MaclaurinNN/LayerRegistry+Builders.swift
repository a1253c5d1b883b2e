/// JSON builders for the image, polynomial and combinator layers (Keras-style snake_case keys):
///
///     {"type": "conv2d", "filters": 32, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same",
///      "activation": "relu", "use_bias": true, "kernel": [...], "bias": [...]}
///     {"type": "max_pooling2d", "pool_size": [2, 2], "strides": [2, 2]}     (also "average_pooling2d")
///     {"type": "dropout", "rate": 0.25}   {"type": "flatten"}   {"type": "softmax"}
///     {"type": "taylor_expansion", "order": 3, "parameterization": "cumulative", "basis": "monomial",
///      "bounding": {"type": "tanh", "scale": 1, "learnable": true}, "initialization": "tanh", "a": ..., "w": ...}
///     {"type": "polynomial_dense", "units": 16, "order": 3, "activation": "linear", "kernel": ..., "bias": ...}
///     {"type": "parallel", "branches": [[{...}, {...}], []], "branch0/dense_1/kernel": ...}
///
/// Weights are optional: when a layer has none of its parameter fields it is initialised (seeded);
/// when it has some, it must have all of them, each of exactly the parameter's shape.
extension LayerRegistry {
    /// The builder for the types added beyond "dense" and "activation", or nil for an unknown type.
    static func makeExtended<Scalar: TensorScalar>(_ type: String, _ spec: LayerSpec, inputShape: [Int],
                                                   generator: inout SeededGenerator) throws -> (any Layer<Scalar>)? {
        let name = spec.fields["name"] as? String ?? ""
        var layer: any Layer<Scalar>
        switch type {
        case "conv2d", "convolution2d":
            guard inputShape.count == 3 else { throw ModelError("conv2d needs image inputs [h, w, c], got \(inputShape)") }
            let filters = try spec.int("filters", minimum: 1)
            let kernelSize = try spec.pair("kernel_size", minimum: 1)
            try ModelJSON.checkElementCount([kernelSize.0, kernelSize.1, inputShape[2], filters], "the kernel")
            layer = Conv2D<Scalar>(inputChannels: inputShape[2], filters: filters,
                                   kernelSize: kernelSize, strides: try spec.pair("strides", default: (1, 1), minimum: 1),
                                   padding: try Padding(named: try spec.string("padding", default: "valid")),
                                   activation: try Activation(named: try spec.string("activation", default: "linear")),
                                   useBias: try spec.bool("use_bias", default: true), name: name, generator: &generator)
        case "max_pooling2d", "maxpooling2d", "max_pool2d", "maxpool2d":
            let pool = try spec.pair("pool_size", default: (2, 2), minimum: 1)
            layer = MaxPool2D<Scalar>(poolSize: pool, strides: try spec.pair("strides", default: pool, minimum: 1), name: name)
        case "average_pooling2d", "averagepooling2d", "avg_pool2d", "avgpool2d":
            let pool = try spec.pair("pool_size", default: (2, 2), minimum: 1)
            layer = AvgPool2D<Scalar>(poolSize: pool, strides: try spec.pair("strides", default: pool, minimum: 1), name: name)
        case "dropout":
            let rate = try spec.double("rate")
            guard rate >= 0 && rate < 1 else { throw ModelError("dropout needs \"rate\" in [0, 1), got \(rate)") }
            layer = Dropout<Scalar>(rate: rate, name: name)
        case "flatten":
            layer = Flatten<Scalar>(name: name)
        case "softmax":
            layer = Softmax<Scalar>(name: name)
        case "taylor_expansion", "taylorexpansion":
            guard let units = inputShape.last else { throw ModelError("taylor_expansion needs a non-scalar input") }
            if let declared = spec.fields["units"] as? Int, declared != units {
                throw ModelError("taylor_expansion declares \(declared) units but its input's last axis is \(units)")
            }
            let order = try spec.int("order", minimum: 0)
            try ModelJSON.checkElementCount([units, order + 1, 2], "the coefficients")
            layer = TaylorExpansion<Scalar>(
                units: units, order: order,
                parameterization: try TaylorParameterization(named: try spec.string("parameterization", default: "collapsed")),
                basis: try PolynomialBasis(named: try spec.string("basis", default: "monomial")),
                bounding: try InputBounding(json: spec.fields["bounding"]),
                initialization: try spec.initialization(), name: name)
        case "polynomial_dense", "polynomialdense":
            guard let inputs = inputShape.last else { throw ModelError("polynomial_dense needs a non-scalar input") }
            let (units, order) = (try spec.int("units", minimum: 1), try spec.int("order", minimum: 1))
            try ModelJSON.checkElementCount([order, inputs, units], "the kernel")
            layer = PolynomialDense<Scalar>(inputSize: inputs, units: units,
                                            order: order,
                                            activation: try Activation(named: try spec.string("activation", default: "linear")),
                                            bounding: try InputBounding(json: spec.fields["bounding"]), name: name,
                                            generator: &generator)
        case "parallel", "residual":
            guard let branchSpecs = spec.fields["branches"] as? [[[String: Any]]], !branchSpecs.isEmpty else {
                throw ModelError("parallel needs \"branches\": an array of arrays of layer objects")
            }
            var branches: [[any Layer<Scalar>]] = []
            for (b, specs) in branchSpecs.enumerated() {
                var shape = inputShape
                var built: [any Layer<Scalar>] = []
                for (i, sub) in specs.enumerated() {
                    do {
                        let l: any Layer<Scalar> = try make(sub, inputShape: shape, generator: &generator)
                        shape = try l.outputShape(for: shape)
                        built.append(l)
                    } catch let e as ModelError {
                        throw ModelError("branch \(b), layer \(i + 1): \(e.description)")
                    }
                }
                branches.append(built)
            }
            let names = branches.joined().map(\.name).filter { !$0.isEmpty }
            guard Set(names).count == names.count else { throw ModelError("parallel: two branch layers share a name") }
            layer = Parallel<Scalar>(branches: branches, name: name)
            _ = try layer.outputShape(for: inputShape)
        default:
            return nil
        }
        try loadParameters(into: &layer, from: spec.fields)
        return layer
    }

    /// Overwrites the layer's parameters with the fields named like them, if any are present.
    static func loadParameters<Scalar: TensorScalar>(into layer: inout any Layer<Scalar>, from fields: [String: Any]) throws {
        let names = layer.parameterNames
        let present = names.filter { fields[$0] != nil }
        guard !present.isEmpty else { return }
        if let missing = names.first(where: { fields[$0] == nil }) {
            throw ModelError("has weights \(present.map { "\"\($0)\"" }.joined(separator: ", ")) but not \"\(missing)\"")
        }
        var parameters = layer.parameters
        for (i, name) in names.enumerated() {
            parameters[i] = try ModelJSON.tensor(fields[name], shape: parameters[i].shape, field: name)
        }
        layer.parameters = parameters
    }
}

/// Typed access to the fields of one layer object, with messages naming the field.
struct LayerSpec {
    let fields: [String: Any]

    func int(_ key: String, default value: Int? = nil, minimum: Int = Int.min) throws -> Int {
        guard let raw = fields[key] else {
            if let value { return value }
            throw ModelError("missing \"\(key)\" (an integer)")
        }
        guard let v = raw as? Int, !ModelJSON.isBoolean(raw) else { throw ModelError("\"\(key)\" must be an integer") }
        guard v >= minimum else { throw ModelError("\"\(key)\" must be >= \(minimum), got \(v)") }
        guard v <= ModelJSON.maxExtent else { throw ModelError("\"\(key)\" must be <= \(ModelJSON.maxExtent), got \(v)") }
        return v
    }

    /// An integer n (meaning (n, n)) or a pair [a, b].
    func pair(_ key: String, default value: (Int, Int)? = nil, minimum: Int = Int.min) throws -> (Int, Int) {
        let result: (Int, Int)
        if let raw = fields[key], ModelJSON.isBoolean(raw) { throw ModelError("\"\(key)\" must be an integer or a pair of integers") }
        switch fields[key] {
        case nil:
            guard let value else { throw ModelError("missing \"\(key)\" (an integer or a pair of integers)") }
            result = value
        case let n as Int: result = (n, n)
        case let a as [Int] where a.count == 2: result = (a[0], a[1])
        default: throw ModelError("\"\(key)\" must be an integer or a pair of integers")
        }
        guard result.0 >= minimum && result.1 >= minimum else { throw ModelError("\"\(key)\" must be >= \(minimum)") }
        guard result.0 <= ModelJSON.maxExtent && result.1 <= ModelJSON.maxExtent else {
            throw ModelError("\"\(key)\" must be <= \(ModelJSON.maxExtent)")
        }
        return result
    }

    func double(_ key: String, default value: Double? = nil) throws -> Double {
        guard let raw = fields[key] else {
            if let value { return value }
            throw ModelError("missing \"\(key)\" (a number)")
        }
        guard let v = raw as? Double, !ModelJSON.isBoolean(raw), v.isFinite else { throw ModelError("\"\(key)\" must be a finite number") }
        return v
    }

    func string(_ key: String, default value: String) throws -> String {
        guard let raw = fields[key] else { return value }
        guard let s = raw as? String else { throw ModelError("\"\(key)\" must be a string") }
        return s
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = fields[key] else { return value }
        guard ModelJSON.isBoolean(raw), let b = raw as? Bool else { throw ModelError("\"\(key)\" must be true or false") }
        return b
    }

    /// "identity", a series name ("tanh", ...), or an array of Maclaurin coefficients.
    func initialization() throws -> TaylorInitialization {
        switch fields["initialization"] {
        case nil: return .identity
        case let name as String:
            let f = try SeriesFunction(named: name)
            return f == .identity ? .identity : .series(f)
        case let numbers as [Double]: return .coefficients(numbers)
        default: throw ModelError("\"initialization\" must be a function name or an array of coefficients")
        }
    }
}
