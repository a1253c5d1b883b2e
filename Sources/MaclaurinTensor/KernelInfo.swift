import CMaclaurinKernels

/// Facts about the kernel layer at run time.
public enum KernelInfo {
    /// The instruction set the kernels dispatched to ("avx512", "avx2" or "portable").
    public static var isaName: String { String(cString: mcl_isa_name()) }
    /// Threads the kernels use.
    public static var threads: Int {
        get { Int(mcl_get_num_threads()) }
        set { mcl_set_num_threads(Int32(newValue)) }
    }
}
