// KernelBenchmarkTests.swift: quick timings of the hot kernels. Skipped unless MCL_BENCH is set:
//   MCL_BENCH=1 swift test -c release --filter KernelBenchmarkTests      (add MCL_ISA=portable to compare)
import CMaclaurinKernels
import Foundation
import XCTest

final class KernelBenchmarkTests: XCTestCase {
    /// CPU time of the calling thread in microseconds (the kernels run on it with the serial
    /// stand-in pool; unlike wall time this ignores time the thread spends descheduled).
    private func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1000
    }

    /// Best thread CPU time of `reps` runs of body, in microseconds.
    private func best(_ reps: Int = 30, _ body: () -> Void) -> Double {
        body()
        var b = Double.infinity
        for _ in 0..<reps {
            let t0 = threadCPUTime()
            body()
            b = min(b, threadCPUTime() - t0)
        }
        return b
    }

    private func report(_ what: String, _ us: Double, elements: Int) {
        print(String(format: "bench %-44@ %9.1f us  %6.2f ns/element", what as NSString, us, us * 1000 / Double(elements)))
    }

    private func benchUnary<T: KScalar>(_: T.Type, n: Int) {
        var rng = SplitMix64(seed: 41)
        let x: [T] = randomArray(n, -5, 5, &rng)
        var y = x
        for (op, name) in [(MCL_TANH, "tanh"), (MCL_EXP, "exp"), (MCL_SIGMOID, "sigmoid"), (MCL_SOFTPLUS, "softplus"),
                           (MCL_RELU, "relu")] {
            report("unary \(name) \(T.label) n=\(n)", best { T.unary(op32(op), x, &y, n) }, elements: n)
        }
    }

    private func benchJet<T: KScalar>(_: T.Type, n: Int, D: Int, K: Int, op: mcl_jet_op = MCL_JET_TANH,
                                      name: String = "tanh") {
        var rng = SplitMix64(seed: 42)
        let x0: [T] = randomArray(n, -3, 3, &rng), xs: [T] = randomArray(K * D * n, -1, 1, &rng)
        var y0 = x0, ys = xs
        let us = best(10) { T.jetUnary(op32(op), x0, xs, n, D, Int32(K), &y0, &ys) }
        report("jet \(name) \(T.label) n=\(n) D=\(D) K=\(K)", us, elements: n * D)
    }

    func testBenchmarks() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["MCL_BENCH"] != nil, "set MCL_BENCH=1 to run")
        print("isa \(String(cString: mcl_isa_name())), threads \(mcl_get_num_threads())")
        let n = 65536
        benchUnary(Float.self, n: n)
        benchUnary(Double.self, n: n)
        for (D, K) in [(1, 1), (1, 2), (1, 4), (1, 8), (4, 4), (16, 2), (16, 8)] {
            benchJet(Float.self, n: n, D: D, K: K)
        }
        benchJet(Float.self, n: 4096, D: 1, K: 8) // in cache: compute rate
        benchJet(Double.self, n: 4096, D: 1, K: 8)
        benchJet(Double.self, n: n, D: 1, K: 8)
        benchJet(Double.self, n: n, D: 16, K: 2)
        for (op, name) in [(MCL_JET_EXP, "exp"), (MCL_JET_SIGMOID, "sigmoid"), (MCL_JET_SOFTPLUS, "softplus"),
                           (MCL_JET_SIN, "sin"), (MCL_JET_LOG, "log")] {
            benchJet(Float.self, n: n, D: 1, K: 8, op: op, name: name)
        }
        var rng = SplitMix64(seed: 43)
        let a: [Float] = randomArray(1024 * 1024, -1, 1, &rng), bvec: [Float] = randomArray(1024, -1, 1, &rng)
        var y = a
        report("binary add [1024,1024] + row vector float",
               best { Float.binary(op32(MCL_ADD), a, [1024, 1], bvec, [0, 1], &y, [1024, 1024]) }, elements: 1 << 20)
        report("permute 2-D transpose 1024x1024 float", best { Float.permute(a, [1024, 1024], [1, 0], &y) },
               elements: 1 << 20)
        report("permute [64,128,128] -> (2,0,1) float", best { Float.permute(a, [64, 128, 128], [2, 0, 1], &y) },
               elements: 1 << 20)
        report("reduce_sum [1024,1024] over rows float", best { Float.reduceSum(a, 1, 1024, 1024, &y) },
               elements: 1 << 20)
        let ja: [Float] = randomArray(n * 9, -1, 1, &rng)
        var jy = ja
        let jys = best { jy.withUnsafeMutableBufferPointer { p in
            Float.jetMul(ja, ja, ja, ja, n, 1, 8, p.baseAddress!, p.baseAddress! + n)
        } }
        report("jet_mul float n=65536 D=1 K=8", jys, elements: n)
    }
}
