import CMaclaurinKernels

/// The reference-counted, 64-byte-aligned buffer behind a `Tensor`.
///
/// Buffers of tensors are short-lived and large (a 1024 x 64 activation is 256 KiB). glibc serves
/// such sizes with `mmap` and returns them to the kernel on free, which costs page faults on every
/// step; `Allocator.configure()` raises glibc's thresholds once so freed buffers are reused.
public final class TensorStorage<Scalar: TensorScalar> {
    public let pointer: UnsafeMutablePointer<Scalar>
    public let count: Int
    /// A value derived from the scalars (`Tensor.memoized`): read and set only under
    /// `Memo.lock` by holders of the buffer; dropped, without the lock, by `Tensor`'s write
    /// access, which only writes a buffer nobody else holds.
    @usableFromInline var memo: Memo?

    /// Uninitialised storage for `count` scalars.
    public init(uninitializedCount count: Int) {
        Allocator.configureOnce
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Scalar>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Scalar.self, capacity: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// A value memoised on a tensor buffer under a key naming how it was derived.
@usableFromInline final class Memo {
    static let lock = Lock()
    let key: String
    let value: AnyObject

    init(key: String, value: AnyObject) {
        self.key = key
        self.value = value
    }
}

/// One-time allocator settings (see `TensorStorage`).
enum Allocator {
    static let configureOnce: Void = {
        mcl_configure_allocator()
    }()
}
