import Foundation

/// The loss at some parameters and its gradient with respect to each of them (same order and
/// shapes), as an optimiser asks for it.
public typealias LossFunction<Scalar: TensorScalar> = ([Tensor<Scalar>]) throws -> (loss: Double, gradients: [Tensor<Scalar>])

/// A gradient-based optimiser over a list of parameter tensors.
public protocol Optimizer<Scalar> {
    associatedtype Scalar: TensorScalar

    /// Number of steps taken so far.
    var iteration: Int { get }

    /// One optimisation step: evaluates `objective` (once for SGD and Adam, once per line-search
    /// trial for L-BFGS) and updates `parameters` in place.
    /// - Returns: for SGD and Adam the loss at the parameters before the update (as a training
    ///   loop reports it); for L-BFGS the loss at the accepted point.
    /// - Throws: whatever `objective` throws (the parameters are then left unchanged); L-BFGS
    ///   rethrows a line-search trial's error only when no step was accepted.
    mutating func step(_ parameters: inout [Tensor<Scalar>], objective: LossFunction<Scalar>) throws -> Double
}

/// The learning rate as a function of the step number t = 0, 1, 2, ... (steps already taken).
public enum LearningRateSchedule: Sendable, Equatable {
    /// lr.
    case constant
    /// lr * factor^floor(t / every) (PyTorch StepLR).
    case step(every: Int, factor: Double)
    /// lr * decay^t (PyTorch ExponentialLR).
    case exponential(decay: Double)
    /// minimum + (lr - minimum) (1 + cos(pi min(t, period) / period)) / 2 (cosine annealing,
    /// held at `minimum` after `period` steps).
    case cosine(period: Int, minimum: Double)

    /// The rate at step `t` for base rate `base`.
    public func rate(base: Double, step t: Int) -> Double {
        switch self {
        case .constant:
            return base
        case let .step(every, factor):
            precondition(every >= 1, "a step schedule needs every >= 1")
            return base * pow(factor, Double(t / every))
        case .exponential(let decay):
            return base * pow(decay, Double(t))
        case let .cosine(period, minimum):
            precondition(period >= 1, "a cosine schedule needs period >= 1")
            let fraction = Double(Swift.min(t, period)) / Double(period)
            return minimum + (base - minimum) * (1 + cos(Double.pi * fraction)) / 2
        }
    }
}

/// Stochastic gradient descent with momentum (PyTorch's `SGD`, dampening 0):
/// g' = g + weightDecay p; b = momentum b + g' (b = g' at the first step);
/// p -= lr (g' + momentum b) with Nesterov, p -= lr b otherwise.
public struct SGD<Scalar: TensorScalar>: Optimizer {
    /// The base learning rate.
    public var learningRate: Double
    /// The momentum factor (0: plain gradient descent).
    public var momentum: Double
    /// Nesterov momentum.
    public var nesterov: Bool
    /// L2 penalty added to the gradient.
    public var weightDecay: Double
    /// The learning-rate schedule.
    public var schedule: LearningRateSchedule
    /// Steps taken so far.
    public internal(set) var iteration = 0
    var buffers: [Tensor<Scalar>] = []

    /// - Parameters: as PyTorch (`nesterov` needs `momentum > 0`).
    public init(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0,
                schedule: LearningRateSchedule = .constant) {
        precondition(learningRate > 0 && momentum >= 0 && weightDecay >= 0, "SGD: learning rate > 0, momentum and weight decay >= 0")
        precondition(!nesterov || momentum > 0, "SGD: Nesterov momentum needs momentum > 0")
        self.learningRate = learningRate; self.momentum = momentum; self.nesterov = nesterov
        self.weightDecay = weightDecay; self.schedule = schedule
    }

    /// Applies one update with given gradients.
    public mutating func update(_ parameters: inout [Tensor<Scalar>], gradients: [Tensor<Scalar>]) {
        checkShapes(parameters, gradients)
        let lr = schedule.rate(base: learningRate, step: iteration)
        let first = buffers.isEmpty
        if first { buffers = parameters.map { Tensor(zeros: $0.shape) } }
        for i in parameters.indices {
            FusedUpdate.sgd(&parameters[i], gradients[i], buffer: &buffers[i], lr: lr, momentum: momentum,
                            nesterov: nesterov, weightDecay: weightDecay, first: first)
        }
        iteration += 1
    }

    /// Evaluates `objective` once and applies `update`; returns the loss before the update.
    public mutating func step(_ parameters: inout [Tensor<Scalar>], objective: LossFunction<Scalar>) throws -> Double {
        let (loss, g) = try objective(parameters)
        update(&parameters, gradients: g)
        return loss
    }
}

/// Adam (Kingma & Ba) with PyTorch's defaults and bias correction:
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
/// `weightDecay` adds weightDecay p to g (PyTorch `Adam`, not `AdamW`).
public struct Adam<Scalar: TensorScalar>: Optimizer {
    /// The base learning rate.
    public var learningRate: Double
    /// Decay of the first-moment average.
    public var beta1: Double
    /// Decay of the second-moment average.
    public var beta2: Double
    /// Added to the square root of the second moment.
    public var epsilon: Double
    /// L2 penalty added to the gradient.
    public var weightDecay: Double
    /// The learning-rate schedule.
    public var schedule: LearningRateSchedule
    /// Steps taken so far.
    public internal(set) var iteration = 0
    var m: [Tensor<Scalar>] = [], v: [Tensor<Scalar>] = []

    /// Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0, schedule: LearningRateSchedule = .constant) {
        precondition(learningRate > 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon >= 0,
                     "Adam: learning rate > 0, betas in [0, 1), epsilon >= 0")
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay; self.schedule = schedule
    }

    /// Applies one update with given gradients.
    public mutating func update(_ parameters: inout [Tensor<Scalar>], gradients: [Tensor<Scalar>]) {
        checkShapes(parameters, gradients)
        if m.isEmpty {
            m = parameters.map { Tensor(zeros: $0.shape) }
            v = m
        }
        let lr = schedule.rate(base: learningRate, step: iteration)
        iteration += 1
        let t = Double(iteration)
        let c1 = 1 - pow(beta1, t), c2 = 1 - pow(beta2, t)
        for i in parameters.indices {
            FusedUpdate.adam(&parameters[i], gradients[i], m: &m[i], v: &v[i], lr: lr, beta1: beta1, beta2: beta2,
                             epsilon: epsilon, weightDecay: weightDecay, correction1: c1, correction2: c2)
        }
    }

    /// Evaluates `objective` once and applies `update`; returns the loss before the update.
    public mutating func step(_ parameters: inout [Tensor<Scalar>], objective: LossFunction<Scalar>) throws -> Double {
        let (loss, g) = try objective(parameters)
        update(&parameters, gradients: g)
        return loss
    }
}

func checkShapes<S: TensorScalar>(_ p: [Tensor<S>], _ g: [Tensor<S>]) {
    precondition(p.count == g.count && zip(p, g).allSatisfy { $0.shape == $1.shape },
                 "gradients \(g.map(\.shape)) do not match parameters \(p.map(\.shape))")
}

