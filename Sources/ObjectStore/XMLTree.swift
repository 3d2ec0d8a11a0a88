import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: enough of the DOM to read object services' answers (listings, errors, uploads).
public struct XMLTree: Sendable {
    /// The element's name.
    public var name: String
    /// Its text content (character data directly inside it).
    public var text: String = ""
    /// Its child elements, in document order.
    public var children: [XMLTree] = []

    /// The first child named `name`.
    public func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// The text of the first child named `name`.
    public func text(of name: String) -> String? { child(name)?.text }

    /// Parses a document; `nil` when it is not well-formed XML, not UTF-8 (which every object
    /// service sends, and without which Foundation's parser traps on an element name), or holds a
    /// processing instruction (none does, and Foundation's parser reads a null for one without data).
    public static func parse(_ bytes: [UInt8]) -> XMLTree? {
        guard String(validating: bytes, as: UTF8.self) != nil, !holdsProcessingInstruction(bytes) else { return nil }
        let builder = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    /// True when `<?` appears anywhere but in the XML declaration that may open the document
    /// (after a byte-order mark).
    private static func holdsProcessingInstruction(_ bytes: [UInt8]) -> Bool {
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let declaration = Array("<?xml".utf8)
        if bytes[index...].starts(with: declaration), bytes.count > index + declaration.count,
            [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index + declaration.count])
        {
            index += declaration.count
        }
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "?") { return true }
            index += 1
        }
        return false
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var stack: [XMLTree] = []
    var root: XMLTree?

    func parser(
        _ parser: XMLParser,
        didStartElement elementName: String,
        namespaceURI: String?,
        qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        stack.append(XMLTree(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard let element = stack.popLast() else { return }
        if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
    }
}

/// Escapes text for an XML element's content. A carriage return is written as `&#13;`: XML
/// parsers turn a literal one into a line feed, so a key holding one would name another object.
public func xmlEscaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        case "\r": result += "&#13;"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result
}
