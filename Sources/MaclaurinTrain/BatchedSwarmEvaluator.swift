/// The loss of every particle of a swarm for a stack of `Dense` layers (any activation, any
/// number of outputs, values, first and second partials) as one batched tensor computation:
/// particles stacked along a leading axis, each dense layer one batched matmul
/// `[P, rows, in] x [P, in, out]` applied to the primal and to every Taylor coefficient of the
/// input jets (the weights are constants), activations through `Jet<Tensor>`'s Taylor rules.
/// It computes exactly what `DerivativeObjective.evaluate` computes for each particle.
struct BatchedSwarmEvaluator<Scalar: TensorScalar> {
    let layers: [Dense<Scalar>]
    let objective: DerivativeObjective<Scalar>
    /// Column ranges of each layer's kernel and bias in a position row.
    let ranges: [(kernel: Range<Int>, bias: Range<Int>)]

    /// nil unless every layer of `model` is a `Dense`.
    init?(model: Sequential<Scalar>, objective: DerivativeObjective<Scalar>) {
        var dense: [Dense<Scalar>] = []
        for layer in model.layers {
            guard let d = layer as? Dense<Scalar> else { return nil }
            dense.append(d)
        }
        guard model.inputShape.count == 1, !dense.isEmpty else { return nil }
        var offset = 0
        ranges = dense.map { d in
            let k = offset..<(offset + d.kernel.count)
            let b = k.upperBound..<(k.upperBound + d.bias.count)
            offset = b.upperBound
            return (k, b)
        }
        layers = dense
        self.objective = objective
    }

    /// Costs of positions `[P, D]`.
    func costs(_ positions: Tensor<Scalar>) -> [Double] {
        let p = positions.shape[0]
        let weights = layers.indices.map { l -> (Tensor<Scalar>, Tensor<Scalar>) in
            let (k, b) = ranges[l]
            let d = layers[l]
            return (positions.slice(axis: 1, k).reshaped(to: [p, d.inputSize, d.units]),
                    positions.slice(axis: 1, b).reshaped(to: [p, 1, d.units]))
        }
        var total = [Double](repeating: 0, count: p)
        for part in objective.parts {
            let predictions = self.predictions(part, weights: weights, particles: p)     // [P, N]
            let r = predictions - part.targets.reshaped(to: [1, part.count])
            let loss = (r * r * part.sampleWeights.reshaped(to: [1, part.count])).sum(alongAxes: [1]).scalars
            for i in 0..<p { total[i] += Double(loss[i]) }
        }
        return total
    }

    /// `[P, N]` predictions of one part (values, first or second partials).
    func predictions(_ part: DerivativeObjective<Scalar>.Part, weights: [(Tensor<Scalar>, Tensor<Scalar>)],
                     particles p: Int) -> Tensor<Scalar> {
        let n = part.count, m = objective.dataset.outputCount
        let order = part.order, slots = part.directions.shape[0]
        // Outputs: `[P, slots, N, width]` (the value has one slot).
        let outputs: Tensor<Scalar>
        if order == 0 {
            var h = part.points                                              // shared by all particles
            for (l, (w, b)) in weights.enumerated() { h = layers[l].activation(h.matmul(w) + b) }
            outputs = h.reshaped(to: [p, 1, n, h.shape[2]])
        } else {
            var x = Jet<Tensor<Scalar>>(primal: part.points, directions: part.directions, order: order)
            var stacked = false
            for (l, (w, b)) in weights.enumerated() {
                x = layers[l].activation(Self.dense(x, w, b, particles: p, stacked: stacked))
                stacked = true
            }
            // Coefficient `[slots, P, N, width]` -> `[P, slots, N, width]`.
            outputs = x.coefficient(order).transposed(permutation: [1, 0, 2, 3])
        }
        let width = outputs.shape[3]
        precondition(width >= m, "the dataset refers to output \(m) but the model has \(width) outputs")
        var index: [Int64] = []
        index.reserveCapacity(p * part.outputIndex.count)
        for i in 0..<p {
            let base = Int64(i * slots * n * width)
            for flat in part.outputIndex {
                let (cell, column) = (flat / Int64(m), flat % Int64(m))
                index.append(base + cell * Int64(width) + column)
            }
        }
        let picked = outputs.reshaped(to: [-1]).gathering(index, shape: [p, slots, n])
        guard order == 2 else { return picked.reshaped(to: [p, n]) }
        // H_IK = c2(e_I + e_K) - c2(e_I) - c2(e_K).
        return (picked * Tensor(shape: [1, 3, 1], scalars: [-1, -1, 1])).sum(alongAxes: [1]).reshaped(to: [p, n])
    }

    /// A dense layer with per-particle weights `w` `[P, in, out]`, `b` `[P, 1, out]` on a jet whose
    /// primal is `[rows, in]` (shared, before the first layer) or `[P, rows, in]`.
    static func dense(_ x: Jet<Tensor<Scalar>>, _ w: Tensor<Scalar>, _ b: Tensor<Scalar>, particles p: Int,
                      stacked: Bool) -> Jet<Tensor<Scalar>> {
        let (k, d) = (x.order, x.directions)
        let out = w.shape[2]
        let primal = x.primal.matmul(w) + b                                  // [P, rows, out]
        let rows = primal.shape[1], inputs = w.shape[1]
        guard let s = x.series else { return Jet(constantValue: primal) }
        let series: Tensor<Scalar>
        if stacked {
            // [k, d, P, rows, in] -> [P, k d rows, in] -> x W -> [k, d, P, rows, out].
            let lhs = s.transposed(permutation: [2, 0, 1, 3, 4]).reshaped(to: [p, k * d * rows, inputs])
            series = lhs.matmul(w).reshaped(to: [p, k, d, rows, out]).transposed(permutation: [1, 2, 0, 3, 4])
        } else {
            // [k, d, rows, in] shared -> [P, k d rows, out].
            let lhs = s.reshaped(to: [k * d * rows, inputs])
            series = lhs.matmul(w).reshaped(to: [p, k, d, rows, out]).transposed(permutation: [1, 2, 0, 3, 4])
        }
        return Jet(primal: primal, series: series, order: k, directions: d)
    }
}
