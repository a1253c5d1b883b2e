/// The value and first-partial samples of a one-output dataset laid out for the fused kernels:
/// one row per distinct point, carrying a value target and targets for any of the n input
/// partials (a point that appears under several kinds is evaluated once). Rows with at least one
/// partial come first (`gradientRowCount` of them), so the input-gradient pass runs on a prefix.
///
/// Each sample contributes c (prediction - target)^2 with c = w_k / N_k, its kind's weight over
/// its kind's sample count, exactly as in `DerivativeObjective`.
struct SupervisedRows<T: KernelFloat> {
    let inputCount: Int
    let rowCount: Int
    let gradientRowCount: Int
    /// `[R, n]`.
    let points: Tensor<T>
    /// `[R]` each.
    let valueWeights: [T], valueTargets: [T]
    /// `[Rg, n]` each.
    let gradientWeights: [T], gradientTargets: [T]
    /// For each group of the dataset: its order and the cells of its samples (row for values,
    /// row * n + input for partials).
    let groupCells: [(group: Int, order: Int, cells: [Int])]
    let kinds: [DerivativeKind]
    let kindWeights: [Double]

    /// nil unless the dataset has one output and only values and first partials, and T is its scalar.
    init?<S: TensorScalar>(_ objective: DerivativeObjective<S>) {
        let dataset = objective.dataset
        guard dataset.outputCount == 1, dataset.maximumOrder <= 1, S.self == T.self else { return nil }
        let n = dataset.inputCount
        var rows: [SupervisedRow<T>] = []
        var byPoint: [[T]: [Int]] = [:]
        var assigned: [(group: Int, row: Int, slot: Int)] = []   // slot -1 = value
        for (gi, g) in dataset.groups.enumerated() {
            guard let pts = g.points as? Tensor<T>, let tgs = g.targets as? Tensor<T> else { return nil }
            let p = pts.scalars, t = tgs.scalars
            let c = T(objective.weights[gi] / Double(g.count))
            let slot = g.kind.order == 0 ? -1 : g.kind.inputs[0]
            for s in 0..<g.count {
                let point = Array(p[(s * n)..<((s + 1) * n)])
                let free = byPoint[point, default: []].first { r in slot < 0 ? rows[r].value == nil : rows[r].partials[slot] == nil }
                let r = free ?? rows.count
                if free == nil {
                    rows.append(SupervisedRow(point: point, value: nil, partials: Array(repeating: nil, count: n)))
                    byPoint[point, default: []].append(r)
                }
                if slot < 0 { rows[r].value = (c, t[s]) } else { rows[r].partials[slot] = (c, t[s]) }
                assigned.append((gi, r, slot))
            }
        }
        // Rows with partials first (stable).
        let order = rows.indices.filter { rows[$0].partials.contains { $0 != nil } }
            + rows.indices.filter { !rows[$0].partials.contains { $0 != nil } }
        var newIndex = [Int](repeating: 0, count: rows.count)
        for (new, old) in order.enumerated() { newIndex[old] = new }
        let rg = rows.filter { $0.partials.contains { $0 != nil } }.count
        inputCount = n
        rowCount = rows.count
        gradientRowCount = rg
        points = Tensor(shape: [rows.count, n], scalars: order.flatMap { rows[$0].point })
        valueWeights = order.map { rows[$0].value?.0 ?? 0 }
        valueTargets = order.map { rows[$0].value?.1 ?? 0 }
        gradientWeights = order.prefix(rg).flatMap { r in rows[r].partials.map { $0?.0 ?? 0 } }
        gradientTargets = order.prefix(rg).flatMap { r in rows[r].partials.map { $0?.1 ?? 0 } }
        var cells = dataset.groups.indices.map { (group: $0, order: dataset.groups[$0].kind.order, cells: [Int]()) }
        for a in assigned {
            let r = newIndex[a.row]
            cells[a.group].cells.append(a.slot < 0 ? r : r * n + a.slot)
        }
        groupCells = cells
        kinds = dataset.kinds
        kindWeights = objective.weights
    }

    /// Per-kind mean squared errors from the residuals of values `[R]` and partials `[Rg, n]`.
    func kindLosses(valueResiduals ey: UnsafePointer<T>, gradientResiduals eg: UnsafePointer<T>) -> [KindLoss] {
        groupCells.map { g in
            let e = g.order == 0 ? ey : eg
            var s = 0.0
            for c in g.cells { s += Double(e[c]) * Double(e[c]) }
            return KindLoss(kind: kinds[g.group], meanSquaredError: s / Double(max(g.cells.count, 1)),
                            count: g.cells.count, weight: kindWeights[g.group])
        }
    }
}

/// The layer sizes and activations of a multilayer perceptron of `Dense` layers, as the fused
/// kernels need them (parameters in `Sequential` order: kernel `[in, out]`, bias `[out]`).
struct MLPShape: Equatable {
    /// n_0 (inputs), n_1, ..., n_L.
    var widths: [Int]
    var activations: [FusedActivation]
    var layerCount: Int { activations.count }
    /// Number of scalars of all parameters.
    var parameterCount: Int { (1...layerCount).reduce(0) { $0 + widths[$1 - 1] * widths[$1] + widths[$1] } }

    /// nil unless every layer is a `Dense` with a linear, tanh or sigmoid activation.
    init?<S: TensorScalar>(_ model: Sequential<S>) {
        var widths = model.inputShape.count == 1 ? [model.inputShape[0]] : []
        var activations: [FusedActivation] = []
        guard !widths.isEmpty, !model.layers.isEmpty else { return nil }
        for layer in model.layers {
            guard let dense = layer as? Dense<S>, let a = FusedActivation(dense.activation) else { return nil }
            widths.append(dense.units)
            activations.append(a)
        }
        self.widths = widths; self.activations = activations
    }
}

/// One distinct point while rows are assembled: (weight, target) of its value and partials.
private struct SupervisedRow<T> {
    var point: [T]
    var value: (T, T)?
    var partials: [(T, T)?]
}
