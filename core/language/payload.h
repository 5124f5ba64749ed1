#pragma once

#include <QByteArray>
#include <QString>
#include <QStringView>

namespace sockbench {

// The payload language (user guide, "Payload language"): what a user types, turned into bytes, and
// bytes shown back in the same language so that the display parses back to the same bytes.

enum class PayloadMode : quint8 { Text, Hex };
enum class TextEncoding : quint8 { Utf8, Latin1 };
enum class LineEnding : quint8 { None, LF, CR, CRLF };

struct PayloadSpec {
    PayloadMode mode = PayloadMode::Text;
    TextEncoding encoding = TextEncoding::Utf8; ///< Text mode only
    bool escapes = true;                        ///< Text mode only: recognise \n \xHH \u{...} ...
    LineEnding lineEnding = LineEnding::None;   ///< appended after the payload in both modes
    friend bool operator==(const PayloadSpec &, const PayloadSpec &) = default;
};

struct PayloadResult {
    QByteArray bytes;             ///< empty on error: nothing is ever half-parsed
    qsizetype errorPosition = -1; ///< index (UTF-16 code units) of the offending character, -1 if ok
    qsizetype errorLength = 0;    ///< how many characters to highlight
    QString error;                ///< short message for the user, e.g. "odd number of hex digits"

    bool ok() const { return errorPosition < 0; }
};

/// Parses what the user typed. On error no bytes are produced.
PayloadResult parsePayload(QStringView input, const PayloadSpec &spec);

/// The bytes to append for a line ending.
QByteArray lineEndingBytes(LineEnding ending);

/// Bytes as text in the escape language: printable text as is, everything else escaped
/// (\n \r \t \0 \\ \e \xHH), so parsePayload(display, {Text, encoding, escapes on}) gives the bytes back.
QString bytesToEscapedText(QByteArrayView bytes, TextEncoding encoding = TextEncoding::Utf8);

/// How appendEscapedText() writes: as the text is, or as the inside of a JSON string (backslashes
/// doubled, '"' escaped; the quotes around are the caller's).
enum class EscapedTextStyle : quint8 { Plain, JsonString };

/// bytesToEscapedText()'s text as UTF-8, appended to *out without a QString in between: the
/// exports and the command line write one per record.
void appendEscapedText(QByteArray *out, QByteArrayView bytes, TextEncoding encoding = TextEncoding::Utf8,
                       EscapedTextStyle style = EscapedTextStyle::Plain);

/// "48 65 6c" (lower case, single spaces). maxBytes >= 0 limits the output and appends "…".
QString bytesToHex(QByteArrayView bytes, qsizetype maxBytes = -1);

/// "48656c" (lower case, no separator: QByteArray::toHex()) appended to *out, two digits per
/// lookup, for the exports (every payload as hex) and a rule's ${hex}.
void appendHex(QByteArray *out, QByteArrayView bytes);

/// `hexdump -C` layout: "00000000  48 65 6c 6c 6f 0a ...  |Hello.|" lines of 16 bytes, '\n'-separated.
QString bytesToDump(QByteArrayView bytes);

/// The same `hexdump -C` lines, each ending in '\n', appended to *out. Offsets count from
/// startOffset, so a stream dumped chunk by chunk keeps its running offset (each chunk starts a new
/// line). Unlike hexdump, repeated lines are not folded into "*" and no closing offset line is
/// written: a stream's next chunk may follow at any time.
void appendDump(QByteArray *out, QByteArrayView bytes, quint64 startOffset = 0);

/// Name of a mode/ending for settings and the command line ("text", "hex", "none", "lf", "cr", "crlf").
QString toString(PayloadMode mode);
QString toString(LineEnding ending);

} // namespace sockbench
