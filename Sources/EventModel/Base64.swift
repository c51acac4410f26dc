/// Standard base64 (RFC 4648 §4, with padding): JSON's form of binary data and CloudEvents' `data_base64`.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    package static func encode(_ data: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity((data.count + 2) / 3 * 4)
        var index = 0
        while index < data.count {
            let chunk = data[index..<min(index + 3, data.count)]
            var group: UInt32 = 0
            for (position, byte) in chunk.enumerated() { group |= UInt32(byte) << (16 - 8 * UInt32(position)) }
            for position in 0..<4 {
                text.append(
                    position <= chunk.count
                        ? alphabet[Int(group >> (18 - 6 * UInt32(position)) & 0x3f)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The decoded bytes, or `nil` if `text` is not padded standard base64.
    package static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let padding =
                isLast ? input[index..<index + 4].reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count : 0
            guard padding <= 2 else { return nil }
            var group: UInt32 = 0
            for position in 0..<(4 - padding) {
                let value = values[Int(input[index + position])]
                guard value != 0xff else { return nil }
                group |= UInt32(value) << (18 - 6 * UInt32(position))
            }
            for position in 0..<(3 - padding) {
                output.append(UInt8(truncatingIfNeeded: group >> (16 - 8 * UInt32(position))))
            }
            index += 4
        }
        return output
    }
}
