import Foundation

/// How an axis maps data to position.
public enum AxisScale: String, Sendable, Equatable, CaseIterable {
    /// Position proportional to the value.
    case linear
    /// Position proportional to log10 of the value; only positive finite values can be drawn
    /// (others are dropped and counted), ticks sit at powers of ten.
    case logarithmic
}

/// One tick of an axis: its value, whether it is labelled, and its label.
public struct AxisTick: Sendable, Equatable {
    /// The data value at the tick.
    public var value: Double
    /// The label text; for a power of ten on a logarithmic axis, the base ("10").
    public var label: String
    /// The superscript exponent of a power-of-ten label, e.g. -3 in 10^-3.
    public var exponent: Int?
    /// False for unlabelled minor ticks (2..9 x 10^k on a logarithmic axis).
    public var isMajor: Bool
}

/// The domain of an axis and its ticks, chosen from the data ("nice" bounds at multiples of
/// 1, 2 or 5 x 10^k on a linear axis; whole decades on a logarithmic one).
public struct Axis: Sendable, Equatable {
    /// How values map to position.
    public let scale: AxisScale
    /// The smallest value shown (at the left or bottom edge).
    public let lower: Double
    /// The largest value shown.
    public let upper: Double
    /// Ticks from `lower` to `upper`, in increasing order.
    public let ticks: [AxisTick]

    /// An axis covering `values` (non-finite values, and non-positive ones on a logarithmic
    /// axis, are ignored) and `including`, with about `tickCount` labelled ticks.
    public init(covering values: [Double], including: ClosedRange<Double>? = nil, scale: AxisScale = .linear,
                tickCount: Int = 6) {
        precondition(tickCount >= 2, "an axis needs at least 2 ticks")
        var usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        if let including {
            usable += [including.lowerBound, including.upperBound].filter { $0.isFinite && (scale == .linear || $0 > 0) }
        }
        self.scale = scale
        switch scale {
        case .linear:
            (lower, upper, ticks) = Self.linear(min: usable.min() ?? 0, max: usable.max() ?? 1, tickCount: tickCount)
        case .logarithmic:
            (lower, upper, ticks) = Self.logarithmic(min: usable.min() ?? 1, max: usable.max() ?? 10)
        }
    }

    /// True when `value` can be placed on this axis (finite, and positive on a logarithmic axis).
    public func canShow(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// Where `value` lies between `lower` (0) and `upper` (1); precondition: `canShow(value)`.
    public func fraction(_ value: Double) -> Double {
        precondition(canShow(value), "value \(value) cannot be placed on a \(scale) axis")
        switch scale {
        case .linear: return (value - lower) / (upper - lower)
        case .logarithmic: return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
    }

    /// The step 1, 2 or 5 x 10^k closest above `span / intervals`.
    static func niceStep(span: Double, intervals: Int) -> Double {
        let raw = span / Double(intervals)
        let magnitude = pow10(Int((log10(raw)).rounded(.down)))
        let r = raw / magnitude
        let factor: Double = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10
        return factor * magnitude
    }

    static func linear(min a: Double, max b: Double, tickCount: Int) -> (Double, Double, [AxisTick]) {
        var (a, b) = (a, b)
        if b - a <= 1e-12 * Swift.max(abs(a), abs(b)) || b - a < 1e-300 {
            let pad = a == 0 ? 1 : abs(a) * 0.1
            a -= pad; b += pad
        }
        // Of the nice steps giving between 3 and tickCount + 2 ticks, the one whose bounds waste least.
        var step = niceStep(span: b - a, intervals: tickCount - 1)
        var best = Double.infinity
        for candidate in [step, niceStep(span: b - a, intervals: tickCount + 1)] {
            let count = (b / candidate).rounded(.up) - (a / candidate).rounded(.down) + 1
            let span = ((b / candidate).rounded(.up) - (a / candidate).rounded(.down)) * candidate
            if count >= 3 && count <= Double(tickCount + 2) && span < best * (1 - 1e-9) { best = span; step = candidate }
        }
        let first = (a / step).rounded(.down), last = (b / step).rounded(.up)
        let decimals = Swift.max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        let magnitude = Swift.max(abs(first * step), abs(last * step))
        let scientific = magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-3)
        var ticks: [AxisTick] = []
        var k = first
        while k <= last {
            var v = k * step
            if abs(v) < step * 1e-9 { v = 0 }
            ticks.append(AxisTick(value: v, label: scientific ? scientificLabel(v, step: step) : SVGText.fixed(v, decimals: decimals),
                                  exponent: nil, isMajor: true))
            k += 1
        }
        return (first * step, last * step, ticks)
    }

    static func logarithmic(min a: Double, max b: Double) -> (Double, Double, [AxisTick]) {
        var low = Int((log10(a) + 1e-9).rounded(.down))
        var high = Int((log10(b) - 1e-9).rounded(.up))
        if high <= low { high = low + 1 }
        low = Swift.max(low, -300); high = Swift.min(high, 300)
        let decades = high - low
        let labelEvery = Swift.max(1, (decades + 7) / 8)
        let plain = low >= -3 && high <= 4
        var ticks: [AxisTick] = []
        for e in low...high {
            let v = pow10(e)
            if (e - low) % labelEvery == 0 {
                ticks.append(plain ? AxisTick(value: v, label: SVGText.fixed(v, decimals: Swift.max(0, -e)), exponent: nil, isMajor: true)
                                   : AxisTick(value: v, label: "10", exponent: e, isMajor: true))
            } else {
                ticks.append(AxisTick(value: v, label: "", exponent: nil, isMajor: false))
            }
            if e < high && decades <= 6 {
                for m in 2...9 {
                    // The decimal m x 10^e read back, so 3e-05 is the double nearest 3e-05 (not 3 * 1e-05).
                    let value = Double("\(m)e\(e)") ?? Double(m) * v
                    // A single decade has only two powers of ten: label 2 and 5 x 10^e as well.
                    if decades == 1 && plain && (m == 2 || m == 5) {
                        ticks.append(AxisTick(value: value, label: SVGText.fixed(value, decimals: Swift.max(0, -e)), exponent: nil, isMajor: true))
                    } else {
                        ticks.append(AxisTick(value: value, label: "", exponent: nil, isMajor: false))
                    }
                }
            }
        }
        return (pow10(low), pow10(high), ticks)
    }

    /// `v` as mantissa "e" exponent with as many mantissa digits as the step needs (`2.5e-5`).
    static func scientificLabel(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        let e = Int((log10(abs(v)) + 1e-9).rounded(.down))
        let decimals = Swift.max(0, e - Int((log10(step) + 1e-9).rounded(.down)))
        return SVGText.fixed(v / pow10(e), decimals: Swift.min(decimals, 6)) + "e" + String(e)
    }
}

/// 10^e (correctly rounded for |e| <= 22).
func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }                     // exact up to 10^22
    return e >= 0 ? r : 1 / r
}
