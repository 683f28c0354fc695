extension BinaryInteger {
    /// The decimal digits of a non-negative value, zero-padded to `width`: `7.zeroPadded(2)` is "07".
    /// Dates in events, emails and calendars are built from these on hot paths, where
    /// `String(format:)` costs more than everything around it; short results stay off the heap.
    public func zeroPadded(_ width: Int) -> String {
        var count = 1
        var probe = self / 10
        while probe > 0 { count += 1; probe /= 10 }
        let length = Swift.max(width, count)
        return String(unsafeUninitializedCapacity: length) { buffer in
            var rest = self
            for position in stride(from: length - 1, through: 0, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            return length
        }
    }
}
