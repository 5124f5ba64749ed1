#include "language/payload.h"
#include "testmain.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace sockbench;

Q_DECLARE_METATYPE(sockbench::PayloadSpec)
Q_DECLARE_METATYPE(sockbench::TextEncoding)
Q_DECLARE_METATYPE(sockbench::LineEnding)

namespace {

PayloadSpec text(TextEncoding encoding = TextEncoding::Utf8, bool escapes = true,
                 LineEnding ending = LineEnding::None) {
    PayloadSpec spec;
    spec.mode = PayloadMode::Text;
    spec.encoding = encoding;
    spec.escapes = escapes;
    spec.lineEnding = ending;
    return spec;
}

PayloadSpec latin1(bool escapes = true) {
    return text(TextEncoding::Latin1, escapes);
}

PayloadSpec hex(LineEnding ending = LineEnding::None) {
    PayloadSpec spec;
    spec.mode = PayloadMode::Hex;
    spec.lineEnding = ending;
    return spec;
}

QString u8(const char *utf8) {
    return QString::fromUtf8(utf8);
}

// Bytes written as hex in the test data, decoded by Qt rather than by the code under test.
// True if every character of a display survives copy and paste and can be seen.
bool isCopyPasteSafe(const QString &display, QString *culprit) {
    for (qsizetype i = 0; i < display.size(); ++i) {
        const char32_t cp = display[i].isHighSurrogate() && i + 1 < display.size()
                                ? QChar::surrogateToUcs4(display[i], display[i + 1])
                                : char32_t(display[i].unicode());
        const auto category = QChar::category(cp);
        const bool bad = category == QChar::Other_Control || category == QChar::Other_Format ||
                         category == QChar::Separator_Line || category == QChar::Separator_Paragraph ||
                         (category == QChar::Separator_Space && cp != u' ') ||
                         (display[i].isSurrogate() && cp <= 0xFFFF);
        if (bad) {
            *culprit = QStringLiteral("U+%1 at %2").arg(uint(cp), 4, 16, QLatin1Char('0')).arg(i);
            return false;
        }
        if (cp > 0xFFFF)
            ++i;
    }
    return true;
}

// Random bytes in several flavours, so that the round trip sees junk, ASCII with controls, well-formed
// UTF-8 full of awkward code points, and well-formed UTF-8 broken in places.
QByteArray randomBytes(QRandomGenerator &random) {
    static const char32_t awkward[] = {0x85,    0xA0,     0xAD,   0x300,  0x301,  0x200B, 0x200D,
                                       0x2028,  0x2029,   0x202E, 0xFEFF, 0xFFFD, 0xFFFE, 0xE000,
                                       0x1F600, 0x10FFFF, 0x20AC, 0xE9,   0x5C,   0x7F,   0x1B};
    const int flavour = random.bounded(4);
    const int length = random.bounded(200);
    QByteArray out;
    while (out.size() < length) {
        switch (flavour) {
        case 0:
            out.append(char(random.bounded(256)));
            break;
        case 1:
            out.append(char(random.bounded(128)));
            break;
        default: {
            char32_t cp = 0;
            switch (random.bounded(3)) {
            case 0:
                cp = awkward[random.bounded(int(std::size(awkward)))];
                break;
            case 1:
                cp = char32_t(random.bounded(0x80));
                break;
            default:
                do {
                    cp = char32_t(random.bounded(0x110000));
                } while (cp >= 0xD800 && cp <= 0xDFFF);
            }
            // Not QString::fromUcs4(): it would drop a U+FEFF as a byte order mark.
            out.append(QStringView(QChar::fromUcs4(cp)).toUtf8());
            if (flavour == 3 && random.bounded(8) == 0)
                out[random.bounded(int(out.size()))] = char(0x80 | random.bounded(0x80));
        }
        }
    }
    return out;
}

} // namespace

class TestPayload final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void displaysEscapedText_data();
    void displaysEscapedText();
    void displaysHex_data();
    void displaysHex();
    void displaysDump_data();
    void displaysDump();
    void namesModesAndEndings();
    void randomBytesRoundTrip();
    void largePayloads();
};

namespace {

// appendEscapedText() writes the display's text as UTF-8 after what *out holds, and as a JSON
// string's inside that QJsonDocument reads back as the display.
bool sameInUtf8AndJson(const QByteArray &data, TextEncoding encoding, const QString &display) {
    QByteArray plain("before:");
    appendEscapedText(&plain, data, encoding);
    if (plain != "before:" + display.toUtf8()) {
        qWarning() << "UTF-8 form differs:" << plain;
        return false;
    }
    QByteArray json("[\"");
    appendEscapedText(&json, data, encoding, EscapedTextStyle::JsonString);
    json += "\"]";
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || parsed.array().at(0).toString() != display) {
        qWarning() << "JSON form differs:" << error.errorString() << json;
        return false;
    }
    // Byte for byte what QJsonDocument itself writes for that string.
    if (json != QJsonDocument(QJsonArray{display}).toJson(QJsonDocument::Compact)) {
        qWarning() << "JSON form is not QJsonDocument's:" << json;
        return false;
    }
    return true;
}

} // namespace

void TestPayload::parses_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<PayloadSpec>("spec");
    QTest::addColumn<QByteArray>("expected");

    // Text mode, encodings.
    QTest::newRow("text: plain ascii") << u8("Hello") << text() << QByteArray("Hello");
    QTest::newRow("text: empty") << QString() << text() << QByteArray();
    QTest::newRow("text: utf-8 by default") << u8("é€") << text() << QByteArray::fromHex("c3a9 e282ac");
    QTest::newRow("text: utf-8 astral via surrogate pair")
        << u8("😀") << text() << QByteArray::fromHex("f09f9880");
    QTest::newRow("text: latin-1 e acute") << u8("é") << latin1() << QByteArray::fromHex("e9");
    QTest::newRow("text: latin-1 upper range") << u8("ÿ\u00a0") << latin1() << QByteArray::fromHex("ff a0");
    QTest::newRow("text: request line")
        << u8("GET / HTTP/1.1\\r\\n\\r\\n") << text() << QByteArray("GET / HTTP/1.1\r\n\r\n");

    // Named escapes.
    QTest::newRow("escape: \\n") << u8("\\n") << text() << QByteArray::fromHex("0a");
    QTest::newRow("escape: \\r") << u8("\\r") << text() << QByteArray::fromHex("0d");
    QTest::newRow("escape: \\t") << u8("\\t") << text() << QByteArray::fromHex("09");
    QTest::newRow("escape: \\0") << u8("\\0") << text() << QByteArray::fromHex("00");
    QTest::newRow("escape: \\0 is never octal") << u8("\\012") << text() << QByteArray::fromHex("00 31 32");
    QTest::newRow("escape: \\\\") << u8("a\\\\b") << text() << QByteArray("a\\b");
    QTest::newRow("escape: \\e is ESC") << u8("\\e[0m") << text() << QByteArray("\x1b[0m");
    QTest::newRow("escape: all named in a row")
        << u8("\\n\\r\\t\\0\\\\\\e") << text() << QByteArray::fromHex("0a0d09005c1b");

    // \xHH is one raw byte in either encoding.
    QTest::newRow("\\x: lower case") << u8("\\x0a") << text() << QByteArray::fromHex("0a");
    QTest::newRow("\\x: upper case digits") << u8("\\xFF") << text() << QByteArray::fromHex("ff");
    QTest::newRow("\\x: raw byte, not code point, in utf-8")
        << u8("\\xe9") << text() << QByteArray::fromHex("e9");
    QTest::newRow("\\x: raw byte in latin-1") << u8("\\xe9") << latin1() << QByteArray::fromHex("e9");
    QTest::newRow("\\x: builds utf-8 by hand") << u8("\\xc3\\xa9") << text() << QByteArray::fromHex("c3a9");
    QTest::newRow("\\x: exactly two digits, third is text")
        << u8("\\x0a5") << text() << QByteArray::fromHex("0a 35");
    QTest::newRow("\\x: nul") << u8("a\\x00b") << text() << QByteArray::fromHex("61 00 62");

    // \u{...} is a code point, encoded in the chosen encoding.
    QTest::newRow("\\u: ascii") << u8("\\u{41}") << text() << QByteArray("A");
    QTest::newRow("\\u: e acute in utf-8") << u8("\\u{e9}") << text() << QByteArray::fromHex("c3a9");
    QTest::newRow("\\u: e acute in latin-1") << u8("\\u{E9}") << latin1() << QByteArray::fromHex("e9");
    QTest::newRow("\\u: euro in utf-8") << u8("\\u{20AC}") << text() << QByteArray::fromHex("e282ac");
    QTest::newRow("\\u: astral") << u8("\\u{1F600}") << text() << QByteArray::fromHex("f09f9880");
    QTest::newRow("\\u: last code point") << u8("\\u{10FFFF}") << text() << QByteArray::fromHex("f48fbfbf");
    QTest::newRow("\\u: zero") << u8("\\u{0}") << text() << QByteArray::fromHex("00");
    QTest::newRow("\\u: six digits with leading zeros") << u8("\\u{000041}") << text() << QByteArray("A");
    QTest::newRow("\\u: U+FF in latin-1") << u8("\\u{ff}") << latin1() << QByteArray::fromHex("ff");

    // Escapes off: everything literal.
    QTest::newRow("literal: backslash n")
        << u8("a\\nb") << text(TextEncoding::Utf8, false) << QByteArray("a\\nb");
    QTest::newRow("literal: unknown escape is fine")
        << u8("\\q\\") << text(TextEncoding::Utf8, false) << QByteArray("\\q\\");
    QTest::newRow("literal: \\u not decoded")
        << u8("\\u{41}") << text(TextEncoding::Utf8, false) << QByteArray("\\u{41}");
    QTest::newRow("literal: latin-1") << u8("é\\") << latin1(false) << QByteArray::fromHex("e9 5c");

    // Line endings, in both modes.
    QTest::newRow("ending: none") << u8("hi") << text(TextEncoding::Utf8, true, LineEnding::None)
                                  << QByteArray("hi");
    QTest::newRow("ending: lf") << u8("hi") << text(TextEncoding::Utf8, true, LineEnding::LF)
                                << QByteArray("hi\n");
    QTest::newRow("ending: cr") << u8("hi") << text(TextEncoding::Utf8, true, LineEnding::CR)
                                << QByteArray("hi\r");
    QTest::newRow("ending: crlf") << u8("hi") << text(TextEncoding::Utf8, true, LineEnding::CRLF)
                                  << QByteArray("hi\r\n");
    QTest::newRow("ending: crlf after empty text")
        << QString() << text(TextEncoding::Utf8, true, LineEnding::CRLF) << QByteArray("\r\n");
    QTest::newRow("ending: after an escape")
        << u8("\\x00") << text(TextEncoding::Utf8, true, LineEnding::LF) << QByteArray::fromHex("00 0a");
    QTest::newRow("ending: hex lf") << u8("de ad") << hex(LineEnding::LF) << QByteArray::fromHex("de ad 0a");
    QTest::newRow("ending: hex crlf, empty")
        << u8("") << hex(LineEnding::CRLF) << QByteArray::fromHex("0d 0a");

    // Hex mode.
    QTest::newRow("hex: spaced pairs") << u8("48 65 6c") << hex() << QByteArray("Hel");
    QTest::newRow("hex: lone digits are bytes") << u8("0 1 2") << hex() << QByteArray::fromHex("00 01 02");
    QTest::newRow("hex: run read in pairs") << u8("DEADbeef") << hex() << QByteArray::fromHex("de ad be ef");
    QTest::newRow("hex: single digit") << u8("f") << hex() << QByteArray::fromHex("0f");
    QTest::newRow("hex: lone digit next to pairs")
        << u8("00 0 a") << hex() << QByteArray::fromHex("00 00 0a");
    QTest::newRow("hex: every separator")
        << u8("de,ad:be;ef-00\t11") << hex() << QByteArray::fromHex("de ad be ef 00 11");
    QTest::newRow("hex: repeated separators") << u8("  de ,, ad  ") << hex() << QByteArray::fromHex("de ad");
    QTest::newRow("hex: line breaks separate")
        << u8("de\nad\r\nbe\ref") << hex() << QByteArray::fromHex("de ad be ef");
    QTest::newRow("hex: 0x prefix") << u8("0xde 0XAD") << hex() << QByteArray::fromHex("de ad");
    QTest::newRow("hex: 0x with commas") << u8("0x0d,0x0a") << hex() << QByteArray::fromHex("0d 0a");
    QTest::newRow("hex: 0x prefix on a run")
        << u8("0xDEADBEEF") << hex() << QByteArray::fromHex("de ad be ef");
    QTest::newRow("hex: 0x prefix on one digit") << u8("0x1") << hex() << QByteArray::fromHex("01");
    QTest::newRow("hex: \\x prefix") << u8("\\xde \\XAD") << hex() << QByteArray::fromHex("de ad");
    QTest::newRow("hex: \\x prefixes without separators")
        << u8("\\x0d\\x0a") << hex() << QByteArray::fromHex("0d 0a");
    QTest::newRow("hex: a run then \\x") << u8("0d\\x0a") << hex() << QByteArray::fromHex("0d 0a");
    QTest::newRow("hex: 0 followed by a pair is not 0x")
        << u8("0 0a") << hex() << QByteArray::fromHex("00 0a");
    QTest::newRow("hex: empty") << QString() << hex() << QByteArray();
    QTest::newRow("hex: only separators") << u8(" \n, ") << hex() << QByteArray();
    QTest::newRow("hex: no-break space separates")
        << u8("de\u00a0ad") << hex() << QByteArray::fromHex("de ad");
    QTest::newRow("hex: all byte values") << u8("00 7f 80 ff") << hex() << QByteArray::fromHex("00 7f 80 ff");
}

void TestPayload::parses() {
    QFETCH(QString, input);
    QFETCH(PayloadSpec, spec);
    QFETCH(QByteArray, expected);

    const PayloadResult result = parsePayload(input, spec);
    QVERIFY2(result.ok(),
             qPrintable(QStringLiteral("error at %1: %2").arg(result.errorPosition).arg(result.error)));
    QCOMPARE(result.bytes.toHex(' '), expected.toHex(' '));
    QCOMPARE(result.errorLength, 0);
    QVERIFY(result.error.isEmpty());
}

void TestPayload::rejects_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<PayloadSpec>("spec");
    QTest::addColumn<qsizetype>("position");
    QTest::addColumn<qsizetype>("length");
    QTest::addColumn<QString>("message"); // a fragment the message must contain

    // Escapes.
    QTest::newRow("escape: unknown") << u8("\\q") << text() << qsizetype(0) << qsizetype(2)
                                     << u8("unknown escape \\q");
    QTest::newRow("escape: unknown after text")
        << u8("ab\\q") << text() << qsizetype(2) << qsizetype(2) << u8("unknown escape");
    QTest::newRow("escape: backslash before space")
        << u8("a\\ b") << text() << qsizetype(1) << qsizetype(2) << u8("U+0020");
    QTest::newRow("escape: upper-case N is not \\n")
        << u8("\\N") << text() << qsizetype(0) << qsizetype(2) << u8("unknown escape");
    QTest::newRow("escape: backslash before emoji")
        << u8("x\\😀") << text() << qsizetype(1) << qsizetype(3) << u8("unknown escape");
    QTest::newRow("escape: lone backslash at end")
        << u8("ab\\") << text() << qsizetype(2) << qsizetype(1) << u8("lone backslash");
    QTest::newRow("\\x: no digits") << u8("\\x") << text() << qsizetype(0) << qsizetype(2)
                                    << u8("two hex digits");
    QTest::newRow("\\x: one digit at end")
        << u8("ab\\x4") << text() << qsizetype(2) << qsizetype(3) << u8("two hex digits");
    QTest::newRow("\\x: one digit then text")
        << u8("\\x4g") << text() << qsizetype(0) << qsizetype(3) << u8("two hex digits");
    QTest::newRow("\\x: non-hex first")
        << u8("\\xg0") << text() << qsizetype(0) << qsizetype(2) << u8("two hex digits");
    QTest::newRow("\\u: no braces") << u8("x\\u41") << text() << qsizetype(1) << qsizetype(2) << u8("braces");
    QTest::newRow("\\u: at end") << u8("\\u") << text() << qsizetype(0) << qsizetype(2) << u8("braces");
    QTest::newRow("\\u: empty") << u8("\\u{}") << text() << qsizetype(0) << qsizetype(4) << u8("empty");
    QTest::newRow("\\u: beyond U+10FFFF")
        << u8("\\u{110000}") << text() << qsizetype(0) << qsizetype(10) << u8("beyond U+10FFFF");
    QTest::newRow("\\u: seven digits")
        << u8("\\u{1000000}") << text() << qsizetype(0) << qsizetype(11) << u8("beyond U+10FFFF");
    QTest::newRow("\\u: huge does not overflow") << u8("\\u{ffffffffffffffffffff}") << text() << qsizetype(0)
                                                 << qsizetype(24) << u8("beyond U+10FFFF");
    QTest::newRow("\\u: high surrogate")
        << u8("ab\\u{D800}") << text() << qsizetype(2) << qsizetype(8) << u8("surrogate");
    QTest::newRow("\\u: low surrogate")
        << u8("\\u{dfff}") << text() << qsizetype(0) << qsizetype(8) << u8("surrogate");
    QTest::newRow("\\u: not closed") << u8("a\\u{12") << text() << qsizetype(1) << qsizetype(5)
                                     << u8("not closed");
    QTest::newRow("\\u: non-hex inside")
        << u8("\\u{12x}") << text() << qsizetype(5) << qsizetype(1) << u8("not a hex digit");
    QTest::newRow("\\u: space inside")
        << u8("\\u{ 41}") << text() << qsizetype(3) << qsizetype(1) << u8("not a hex digit");

    // Latin-1 cannot encode everything: an error, never a '?'.
    QTest::newRow("latin-1: \\u{20AC}") << u8("x\\u{20AC}") << latin1() << qsizetype(1) << qsizetype(8)
                                        << u8("U+20AC cannot be encoded in Latin-1");
    QTest::newRow("latin-1: \\u{100}")
        << u8("\\u{100}") << latin1() << qsizetype(0) << qsizetype(7) << u8("Latin-1");
    QTest::newRow("latin-1: typed euro") << u8("a€") << latin1() << qsizetype(1) << qsizetype(1)
                                         << u8("'€' (U+20AC) cannot be encoded in Latin-1");
    QTest::newRow("latin-1: typed euro, escapes off")
        << u8("ab€") << latin1(false) << qsizetype(2) << qsizetype(1) << u8("Latin-1");
    QTest::newRow("latin-1: typed emoji")
        << u8("é😀") << latin1() << qsizetype(1) << qsizetype(2) << u8("Latin-1");

    // Broken UTF-16 in the input cannot be encoded.
    QTest::newRow("utf-16: lone high surrogate")
        << (u8("ab") + QChar(0xD800)) << text() << qsizetype(2) << qsizetype(1) << u8("unpaired");
    QTest::newRow("utf-16: lone low surrogate")
        << (QChar(0xDC00) + u8("ab")) << text(TextEncoding::Utf8, false) << qsizetype(0) << qsizetype(1)
        << u8("unpaired");
    QTest::newRow("utf-16: reversed pair") << (QString(QChar(0xDC00)) + QChar(0xD800)) << text()
                                           << qsizetype(0) << qsizetype(1) << u8("unpaired");

    // Errors late in the input still produce nothing.
    QTest::newRow("late error, with line ending")
        << u8("abc\\xZZ") << text(TextEncoding::Utf8, true, LineEnding::LF) << qsizetype(3) << qsizetype(2)
        << u8("two hex digits");

    // Hex mode.
    QTest::newRow("hex: odd run") << u8("ABC") << hex() << qsizetype(0) << qsizetype(3) << u8("odd number");
    QTest::newRow("hex: odd run after bytes")
        << u8("de ad bee") << hex() << qsizetype(6) << qsizetype(3) << u8("odd number of hex digits (3)");
    QTest::newRow("hex: odd run after 0x")
        << u8("0x123") << hex() << qsizetype(2) << qsizetype(3) << u8("odd");
    QTest::newRow("hex: not a hex digit")
        << u8("G") << hex() << qsizetype(0) << qsizetype(1) << u8("'G' (U+0047) is not a hex digit");
    QTest::newRow("hex: bad digit after separator")
        << u8("de g0") << hex() << qsizetype(3) << qsizetype(1) << u8("not a hex digit");
    QTest::newRow("hex: bad digit ending a run")
        << u8("deg") << hex() << qsizetype(2) << qsizetype(1) << u8("not a hex digit");
    QTest::newRow("hex: dot is no separator")
        << u8("0D0A.") << hex() << qsizetype(4) << qsizetype(1) << u8("'.'");
    QTest::newRow("hex: plus is no separator")
        << u8("de+ad") << hex() << qsizetype(2) << qsizetype(1) << u8("'+'");
    QTest::newRow("hex: bare 0x") << u8("0x") << hex() << qsizetype(0) << qsizetype(2)
                                  << u8("0x must be followed");
    QTest::newRow("hex: 0x then separator")
        << u8("ff 0X de") << hex() << qsizetype(3) << qsizetype(2) << u8("0X must be followed");
    QTest::newRow("hex: 0x then junk") << u8("0xzz") << hex() << qsizetype(2) << qsizetype(1) << u8("'z'");
    QTest::newRow("hex: bare \\x") << u8("de \\x") << hex() << qsizetype(3) << qsizetype(2)
                                   << u8("\\x must be followed");
    QTest::newRow("hex: lone backslash")
        << u8("\\") << hex() << qsizetype(0) << qsizetype(1) << u8("backslash");
    QTest::newRow("hex: backslash n")
        << u8("de\\n") << hex() << qsizetype(2) << qsizetype(2) << u8("backslash");
    QTest::newRow("hex: Hercules dollars")
        << u8("$0D$0A") << hex() << qsizetype(0) << qsizetype(1) << u8("not $0D$0A");
    QTest::newRow("hex: sokit brackets")
        << u8("[0D 0A]") << hex() << qsizetype(0) << qsizetype(1) << u8("not [0D 0A]");
    QTest::newRow("hex: euro") << u8("de €") << hex() << qsizetype(3) << qsizetype(1) << u8("U+20AC");
    QTest::newRow("hex: emoji takes two units")
        << u8("12 😀") << hex() << qsizetype(3) << qsizetype(2) << u8("U+1F600");
    QTest::newRow("hex: late error with line ending")
        << u8("00 11 22 x") << hex(LineEnding::CRLF) << qsizetype(9) << qsizetype(1) << u8("'x'");
}

void TestPayload::rejects() {
    QFETCH(QString, input);
    QFETCH(PayloadSpec, spec);
    QFETCH(qsizetype, position);
    QFETCH(qsizetype, length);
    QFETCH(QString, message);

    const PayloadResult result = parsePayload(input, spec);
    QVERIFY(!result.ok());
    QVERIFY2(result.bytes.isEmpty(), "bytes must be empty on error");
    QCOMPARE(result.errorPosition, position);
    QCOMPARE(result.errorLength, length);
    QVERIFY2(result.error.contains(message), qPrintable(result.error));
    QVERIFY(result.errorPosition + result.errorLength <= input.size());
}

void TestPayload::displaysEscapedText_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<TextEncoding>("encoding");
    QTest::addColumn<QString>("expected");

    const auto utf8 = TextEncoding::Utf8;
    const auto lat1 = TextEncoding::Latin1;
    QTest::newRow("utf-8: printable ascii") << QByteArray("Hello, world!") << utf8 << u8("Hello, world!");
    QTest::newRow("utf-8: empty") << QByteArray() << utf8 << QString();
    QTest::newRow("utf-8: named escapes")
        << QByteArray::fromHex("0a0d09005c1b") << utf8 << u8("\\n\\r\\t\\0\\\\\\e");
    QTest::newRow("utf-8: other controls and DEL")
        << QByteArray::fromHex("01 1f 7f") << utf8 << u8("\\x01\\x1f\\x7f");
    QTest::newRow("utf-8: text shown as is")
        << QByteArray::fromHex("c3a9 e282ac f09f9880") << utf8 << u8("é€😀");
    QTest::newRow("utf-8: invalid lead byte") << QByteArray::fromHex("ff") << utf8 << u8("\\xff");
    QTest::newRow("utf-8: truncated sequence") << QByteArray::fromHex("41 c3") << utf8 << u8("A\\xc3");
    QTest::newRow("utf-8: bad continuation") << QByteArray::fromHex("c3 28") << utf8 << u8("\\xc3(");
    QTest::newRow("utf-8: overlong slash") << QByteArray::fromHex("c0 af") << utf8 << u8("\\xc0\\xaf");
    QTest::newRow("utf-8: overlong three bytes")
        << QByteArray::fromHex("e0 80 af") << utf8 << u8("\\xe0\\x80\\xaf");
    QTest::newRow("utf-8: encoded surrogate")
        << QByteArray::fromHex("ed a0 80") << utf8 << u8("\\xed\\xa0\\x80");
    QTest::newRow("utf-8: beyond U+10FFFF")
        << QByteArray::fromHex("f4 90 80 80") << utf8 << u8("\\xf4\\x90\\x80\\x80");
    QTest::newRow("utf-8: lone continuation") << QByteArray::fromHex("80") << utf8 << u8("\\x80");
    QTest::newRow("utf-8: C1 control") << QByteArray::fromHex("c2 85") << utf8 << u8("\\u{85}");
    QTest::newRow("utf-8: no-break space") << QByteArray::fromHex("c2 a0") << utf8 << u8("\\u{a0}");
    QTest::newRow("utf-8: line separator") << QByteArray::fromHex("e2 80 a8") << utf8 << u8("\\u{2028}");
    QTest::newRow("utf-8: paragraph separator") << QByteArray::fromHex("e2 80 a9") << utf8 << u8("\\u{2029}");
    QTest::newRow("utf-8: zero width space") << QByteArray::fromHex("e2 80 8b") << utf8 << u8("\\u{200b}");
    QTest::newRow("utf-8: right-to-left override")
        << QByteArray::fromHex("e2 80 ae") << utf8 << u8("\\u{202e}");
    QTest::newRow("utf-8: byte order mark") << QByteArray::fromHex("ef bb bf 41") << utf8 << u8("\\u{feff}A");
    QTest::newRow("utf-8: replacement character")
        << QByteArray::fromHex("ef bf bd") << utf8 << u8("\\u{fffd}");
    // No text anyone writes: binary that happens to decode as UTF-8 reads as its bytes.
    QTest::newRow("utf-8: private use") << QByteArray::fromHex("ee 80 80") << utf8 << u8("\\xee\\x80\\x80");
    QTest::newRow("utf-8: noncharacter") << QByteArray::fromHex("ef bf bf") << utf8 << u8("\\xef\\xbf\\xbf");
    QTest::newRow("utf-8: unassigned")
        << QByteArray::fromHex("f3 a0 80 80") << utf8 << u8("\\xf3\\xa0\\x80\\x80");
    QTest::newRow("utf-8: de ad, a lone Thaana mark")
        << QByteArray::fromHex("de ad") << utf8 << u8("\\xde\\xad");
    QTest::newRow("utf-8: combining mark after letter")
        << QByteArray::fromHex("65 cc 81") << utf8 << u8("e\u0301");
    QTest::newRow("utf-8: combining mark first") << QByteArray::fromHex("cc 81") << utf8 << u8("\\xcc\\x81");
    QTest::newRow("utf-8: combining mark after escape")
        << QByteArray::fromHex("0a cc 81") << utf8 << u8("\\n\\xcc\\x81");
    QTest::newRow("utf-8: binary") << QByteArray::fromHex("de ad be ef 00 01") << utf8
                                   << u8("\\xde\\xad\\xbe\\xef\\0\\x01");
    QTest::newRow("latin-1: printable ascii") << QByteArray("abc") << lat1 << u8("abc");
    QTest::newRow("latin-1: upper half as characters")
        << QByteArray::fromHex("e9 ff a1") << lat1 << u8("éÿ¡");
    QTest::newRow("latin-1: C1 range escaped")
        << QByteArray::fromHex("80 85 9f") << lat1 << u8("\\x80\\x85\\x9f");
    QTest::newRow("latin-1: nbsp and soft hyphen escaped")
        << QByteArray::fromHex("a0 ad") << lat1 << u8("\\xa0\\xad");
    QTest::newRow("latin-1: utf-8 bytes read as latin-1") << QByteArray::fromHex("c3 a9") << lat1 << u8("Ã©");
    QTest::newRow("latin-1: named escapes")
        << QByteArray::fromHex("0a 5c 1b 7f") << lat1 << u8("\\n\\\\\\e\\x7f");
}

void TestPayload::displaysEscapedText() {
    QFETCH(QByteArray, data);
    QFETCH(TextEncoding, encoding);
    QFETCH(QString, expected);

    const QString display = bytesToEscapedText(data, encoding);
    QCOMPARE(display, expected);
    const PayloadResult back = parsePayload(display, text(encoding));
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.bytes.toHex(' '), data.toHex(' '));
    QVERIFY(sameInUtf8AndJson(data, encoding, display));
}

void TestPayload::displaysHex_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<qsizetype>("maxBytes");
    QTest::addColumn<QString>("expected");

    QTest::newRow("three bytes") << QByteArray("Hel") << qsizetype(-1) << u8("48 65 6c");
    QTest::newRow("empty") << QByteArray() << qsizetype(-1) << QString();
    QTest::newRow("extremes") << QByteArray::fromHex("00 ff 80 7f") << qsizetype(-1) << u8("00 ff 80 7f");
    QTest::newRow("limited") << QByteArray("Hello") << qsizetype(2) << u8("48 65 …");
    QTest::newRow("limit zero") << QByteArray("Hello") << qsizetype(0) << u8("…");
    QTest::newRow("limit equals size") << QByteArray("Hel") << qsizetype(3) << u8("48 65 6c");
    QTest::newRow("limit above size") << QByteArray("Hel") << qsizetype(10) << u8("48 65 6c");
    QTest::newRow("limit on empty") << QByteArray() << qsizetype(0) << QString();
}

void TestPayload::displaysHex() {
    QFETCH(QByteArray, data);
    QFETCH(qsizetype, maxBytes);
    QFETCH(QString, expected);

    QCOMPARE(bytesToHex(data, maxBytes), expected);
}

void TestPayload::displaysDump_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("expected");

    // Expected lines are what `hexdump -C` prints for the same bytes.
    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("short line") << QByteArray("Hello\n")
                                << u8("00000000  48 65 6c 6c 6f 0a                                 |Hello.|");
    QTest::newRow("eight bytes")
        << QByteArray("01234567")
        << u8("00000000  30 31 32 33 34 35 36 37                           |01234567|");
    QTest::newRow("nine bytes")
        << QByteArray("012345678")
        << u8("00000000  30 31 32 33 34 35 36 37  38                       |012345678|");
    QTest::newRow("full line")
        << QByteArray("0123456789abcdef")
        << u8("00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|");
    QTest::newRow("second line")
        << QByteArray("0123456789abcdefg")
        << u8("00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
              "00000010  67                                                |g|");
    QTest::newRow("non-printable as dots")
        << QByteArray::fromHex("00 7f 80 ff 20 7e")
        << u8("00000000  00 7f 80 ff 20 7e                                 |.... ~|");
}

void TestPayload::displaysDump() {
    QFETCH(QByteArray, data);
    QFETCH(QString, expected);

    QCOMPARE(bytesToDump(data), expected);
}

void TestPayload::namesModesAndEndings() {
    QCOMPARE(toString(PayloadMode::Text), u8("text"));
    QCOMPARE(toString(PayloadMode::Hex), u8("hex"));
    QCOMPARE(toString(LineEnding::None), u8("none"));
    QCOMPARE(toString(LineEnding::LF), u8("lf"));
    QCOMPARE(toString(LineEnding::CR), u8("cr"));
    QCOMPARE(toString(LineEnding::CRLF), u8("crlf"));
    QCOMPARE(lineEndingBytes(LineEnding::None), QByteArray());
    QCOMPARE(lineEndingBytes(LineEnding::LF), QByteArray("\n"));
    QCOMPARE(lineEndingBytes(LineEnding::CR), QByteArray("\r"));
    QCOMPARE(lineEndingBytes(LineEnding::CRLF), QByteArray("\r\n"));
}

void TestPayload::randomBytesRoundTrip() {
    QRandomGenerator random(20240607); // fixed: a failure must reproduce
    for (int round = 0; round < 4000; ++round) {
        const QByteArray data = randomBytes(random);
        const QString context =
            QStringLiteral("round %1, bytes %2").arg(round).arg(QString::fromLatin1(data.toHex(' ')));
        for (const TextEncoding encoding : {TextEncoding::Utf8, TextEncoding::Latin1}) {
            const QString display = bytesToEscapedText(data, encoding);
            QString culprit;
            QVERIFY2(isCopyPasteSafe(display, &culprit), qPrintable(context + u' ' + culprit));
            const PayloadResult back = parsePayload(display, text(encoding));
            QVERIFY2(back.ok(), qPrintable(context + u' ' + back.error));
            QVERIFY2(back.bytes == data, qPrintable(context + QStringLiteral(" display ") + display));
            QVERIFY2(sameInUtf8AndJson(data, encoding, display), qPrintable(context));
        }
        const PayloadResult fromHex = parsePayload(bytesToHex(data), hex());
        QVERIFY2(fromHex.ok(), qPrintable(context + u' ' + fromHex.error));
        QVERIFY2(fromHex.bytes == data, qPrintable(context));
        QCOMPARE(bytesToDump(data).count(u'\n'), data.isEmpty() ? 0 : (data.size() - 1) / 16);
    }
}

void TestPayload::largePayloads() {
    // 32 MiB in each direction: quadratic behaviour would run into the test timeout.
    constexpr qsizetype size = 32 * 1024 * 1024;
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator random(7);
    random.fillRange(reinterpret_cast<quint32 *>(data.data()), size / qsizetype(sizeof(quint32)));

    const QString hexText = bytesToHex(data);
    QCOMPARE(hexText.size(), size * 3 - 1);
    const PayloadResult fromHex = parsePayload(hexText, hex());
    QVERIFY(fromHex.ok());
    QVERIFY(fromHex.bytes == data);

    const QString display = bytesToEscapedText(data);
    const PayloadResult fromText = parsePayload(display, text());
    QVERIFY(fromText.ok());
    QVERIFY(fromText.bytes == data);
    QVERIFY(sameInUtf8AndJson(data, TextEncoding::Utf8, display));

    const QString dump = bytesToDump(data);
    QCOMPARE(dump.count(u'\n'), size / 16 - 1);
}

SOCKBENCH_TEST_MAIN(TestPayload)
#include "tst_payload.moc"
