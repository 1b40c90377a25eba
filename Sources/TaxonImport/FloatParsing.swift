import Foundation

/// Parses a decimal number (`-0.21286`, `1e-05`, `3.`) into the Float nearest to
/// it, as strtof would. The common case (≤ 15 significant digits, small exponent)
/// is exact in Double arithmetic (Clinger's fast path); rounding that Double to
/// Float can only differ from rounding the decimal directly when the Double sits
/// exactly halfway between two Floats, and those cases, like everything else
/// unusual, go to strtof.
func parseFloat(_ field: UnsafeBufferPointer<UInt8>) -> Float? {
    var index = 0
    let count = field.count
    guard count > 0 else { return nil }
    var negative = false
    if field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
        negative = field[0] == UInt8(ascii: "-")
        index = 1
    }
    var mantissa: UInt64 = 0
    var digits = 0, significant = 0, exponent = 0
    while index < count, case let digit = field[index] &- 0x30, digit < 10 {
        if significant > 0 || digit != 0 { significant += 1 }
        mantissa = mantissa &* 10 &+ UInt64(digit)
        digits += 1
        index += 1
    }
    if index < count && field[index] == UInt8(ascii: ".") {
        index += 1
        while index < count, case let digit = field[index] &- 0x30, digit < 10 {
            if significant > 0 || digit != 0 { significant += 1 }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits += 1
            exponent -= 1
            index += 1
        }
    }
    guard digits > 0 else { return slowParseFloat(field) }
    if index < count && (field[index] == UInt8(ascii: "e") || field[index] == UInt8(ascii: "E")) {
        index += 1
        var exponentNegative = false
        if index < count && (field[index] == UInt8(ascii: "-") || field[index] == UInt8(ascii: "+")) {
            exponentNegative = field[index] == UInt8(ascii: "-")
            index += 1
        }
        var written = 0, exponentDigits = 0
        while index < count, case let digit = field[index] &- 0x30, digit < 10, exponentDigits < 6 {
            written = written * 10 + Int(digit)
            exponentDigits += 1
            index += 1
        }
        guard exponentDigits > 0 else { return nil }
        exponent += exponentNegative ? -written : written
    }
    guard index == count else { return slowParseFloat(field) }
    guard significant <= 15, abs(exponent) <= 22 else { return slowParseFloat(field) }
    // 10^k for k ≤ 22 is exact in a Double, and so is each partial product.
    var power = 1.0
    for _ in 0..<abs(exponent) { power *= 10 }
    var value = Double(mantissa)
    value = exponent < 0 ? value / power : value * power
    // A Double exactly halfway between two Floats: let strtof round the decimal itself.
    if value != 0 && value.bitPattern & 0x1FFF_FFFF == 0x1000_0000 { return slowParseFloat(field) }
    let result = Float(value)
    return negative ? -result : result
}

/// strtof on a NUL-terminated copy; nil unless the whole field is a decimal
/// number (or inf/nan, which callers refuse as not finite). Hex floats are refused.
private func slowParseFloat(_ field: UnsafeBufferPointer<UInt8>) -> Float? {
    guard field.count < 128, !field.contains(UInt8(ascii: "x")), !field.contains(UInt8(ascii: "X")) else { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buffer in
        for (i, byte) in field.enumerated() { buffer[i] = CChar(bitPattern: byte) }
        buffer[field.count] = 0
        var end: UnsafeMutablePointer<CChar>?
        let value = strtof(buffer.baseAddress!, &end)
        guard let end, end - buffer.baseAddress! == field.count else { return nil }
        return value
    }
}
