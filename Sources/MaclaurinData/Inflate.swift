/// A decoder for raw DEFLATE streams (RFC 1951), as stored in zip entries of method 8.
///
/// Enough for `.npz` files written by `np.savez_compressed`: stored, fixed-Huffman and dynamic-Huffman
/// blocks. The output size must be known in advance (zip records it); a stream that would produce
/// more is rejected, so a hostile archive cannot exhaust memory.
struct Inflater {
    private let input: UnsafeRawBufferPointer
    private var position = 0          // next input byte to load into the bit buffer
    private var bitBuffer: UInt64 = 0 // pending bits, least significant first
    private var bitCount = 0          // number of real bits in bitBuffer
    private var output: [UInt8]
    private var written = 0
    private let file: String
    private let base: Int

    /// Decodes `input` (found at byte `base` of `file`) into exactly `expectedCount` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, expectedCount: Int, file: String,
                        base: Int) throws(DataError) -> [UInt8] {
        var inflater = Inflater(input: input, expectedCount: expectedCount, file: file, base: base)
        try inflater.run()
        return inflater.output
    }

    private init(input: UnsafeRawBufferPointer, expectedCount: Int, file: String, base: Int) {
        self.input = input
        self.output = [UInt8](repeating: 0, count: expectedCount)
        self.file = file
        self.base = base
    }

    private func failure(_ message: String) -> DataError {
        let offset = base + (position * 8 - bitCount) / 8
        return DataError(.corrupt, file: file, at: .byteOffset(offset), "invalid DEFLATE data: \(message)")
    }

    // MARK: Bits

    private mutating func refill() {
        while bitCount <= 56, position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// The next `n` bits without consuming them (zeros past the end of the input).
    private mutating func peek(_ n: Int) -> Int {
        if bitCount < n { refill() }
        return Int(bitBuffer & ((1 << UInt64(n)) - 1))
    }

    private mutating func consume(_ n: Int) throws(DataError) {
        if bitCount < n { refill() }
        guard n <= bitCount else { throw failure("the stream ends in the middle of a block") }
        bitBuffer >>= UInt64(n)
        bitCount -= n
    }

    private mutating func bits(_ n: Int) throws(DataError) -> Int {
        let value = peek(n)
        try consume(n)
        return value
    }

    // MARK: Blocks

    private mutating func run() throws(DataError) {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try compressedBlock(Inflater.fixedLiteral, Inflater.fixedDistance)
            case 2:
                let (literal, distance) = try dynamicTables()
                try compressedBlock(literal, distance)
            default: throw failure("reserved block type 3")
            }
        }
        guard written == output.count else {
            throw failure("the stream holds \(written) bytes, the archive says \(output.count)")
        }
    }

    private mutating func storedBlock() throws(DataError) {
        try consume(bitCount % 8)   // skip to the byte boundary
        let length = try bits(16), complement = try bits(16)
        guard length == ~complement & 0xFFFF else { throw failure("stored block length check fails") }
        // Bytes still in the bit buffer come first, then the rest straight from the input.
        for _ in 0..<length {
            guard written < output.count else { throw failure("more data than the archive announces") }
            output[written] = UInt8(try bits(8))
            written += 1
        }
    }

    private mutating func compressedBlock(_ literal: Huffman, _ distance: Huffman) throws(DataError) {
        while true {
            let symbol = try decode(literal)
            if symbol < 256 {
                guard written < output.count else { throw failure("more data than the archive announces") }
                output[written] = UInt8(symbol)
                written += 1
                continue
            }
            if symbol == 256 { return }
            let index = symbol - 257
            guard index < 29 else { throw failure("invalid length code \(symbol)") }
            let length = Inflater.lengthBase[index] + (try bits(Inflater.lengthExtra[index]))
            let code = try decode(distance)
            guard code < 30 else { throw failure("invalid distance code \(code)") }
            let back = Inflater.distanceBase[code] + (try bits(Inflater.distanceExtra[code]))
            guard back <= written else { throw failure("a back-reference points before the start of the data") }
            guard written + length <= output.count else { throw failure("more data than the archive announces") }
            output.withUnsafeMutableBufferPointer { out in
                for k in written..<written + length { out[k] = out[k - back] }
            }
            written += length
        }
    }

    private mutating func dynamicTables() throws(DataError) -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw failure("too many length or distance codes") }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for k in 0..<codeLengthCount { codeLengthLengths[Inflater.codeLengthOrder[k]] = UInt8(try bits(3)) }
        guard let codeLengths = Huffman(lengths: codeLengthLengths) else { throw failure("bad code-length code") }
        var lengths: [UInt8] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengths)
            switch symbol {
            case 0...15:
                lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else { throw failure("repeat of a length before the first") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
            case 17:
                lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
            default:
                lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw failure("code lengths overrun") }
        guard lengths[256] > 0 else { throw failure("no end-of-block code") }
        guard let literal = Huffman(lengths: Array(lengths[..<literalCount])),
              let distance = Huffman(lengths: Array(lengths[literalCount...])) else {
            throw failure("over-subscribed Huffman code")
        }
        return (literal, distance)
    }

    /// The next symbol of `code`: one table look-up for short codes, bit by bit for long ones.
    private mutating func decode(_ code: Huffman) throws(DataError) -> Int {
        let entry = code.fast[peek(Huffman.fastBits)]
        if entry != 0 {
            try consume(Int(entry & 15))
            return Int(entry >> 4)
        }
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let count = code.counts[length]
            if value - first < count { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw failure("a code that the Huffman table does not contain")
    }

    // MARK: Tables of RFC 1951, section 3.2.5 and 3.2.7

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                     67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                      4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
                                        9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    private static let fixedLiteral = Huffman(lengths: (0..<288).map { (s: Int) -> UInt8 in
        s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8 }) ?? Huffman.empty
    private static let fixedDistance = Huffman(lengths: [UInt8](repeating: 5, count: 30)) ?? Huffman.empty
}

/// A canonical Huffman code (RFC 1951, section 3.2.2) prepared for decoding.
struct Huffman {
    /// Codes of at most this many bits decode with one look-up.
    static let fastBits = 9
    /// Number of codes of each length 0...15.
    let counts: [Int]
    /// Symbols in canonical order (by length, then by value).
    let symbols: [Int]
    /// Indexed by the next `fastBits` input bits: `symbol << 4 | length`, or 0 for a longer code.
    let fast: [UInt16]

    static let empty = Huffman(counts: [Int](repeating: 0, count: 16), symbols: [],
                               fast: [UInt16](repeating: 0, count: 1 << fastBits))

    private init(counts: [Int], symbols: [Int], fast: [UInt16]) {
        self.counts = counts
        self.symbols = symbols
        self.fast = fast
    }

    /// The code with the given length per symbol (0 = unused); nil when over-subscribed.
    init?(lengths: [UInt8]) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[Int(length)] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...15 {
            left = (left << 1) - counts[length]
            if left < 0 { return nil }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[Int(length)]] = symbol
            offsets[Int(length)] += 1
        }
        // Fill the look-up table: walk canonical codes in order, store each short one bit-reversed.
        var fast = [UInt16](repeating: 0, count: 1 << Huffman.fastBits)
        var code = 0, index = 0
        for length in 1...15 {
            for _ in 0..<counts[length] {
                if length <= Huffman.fastBits {
                    var reversed = 0
                    for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                    let entry = UInt16(symbols[index] << 4 | length)
                    var fill = reversed
                    while fill < fast.count {
                        fast[fill] = entry
                        fill += 1 << length
                    }
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
        self.init(counts: counts, symbols: symbols, fast: fast)
    }
}
