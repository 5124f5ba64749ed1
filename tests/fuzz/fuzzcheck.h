#pragma once

#include "language/payload.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QString>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sockbench::fuzz {

// A broken property must stop the fuzzer with a message, in every build type (assert() would vanish
// under NDEBUG).
#define SOCKBENCH_FUZZ_CHECK(condition)                                                                      \
    do {                                                                                                     \
        if (!(condition)) {                                                                                  \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition);          \
            std::abort();                                                                                    \
        }                                                                                                    \
    } while (false)

// The first input byte chooses options, the rest is what the user typed: UTF-8, or raw UTF-16 so
// that lone surrogates, which a QString can hold, are tried as well.
inline QString typedText(const quint8 *data, size_t size, bool asUtf16) {
    if (asUtf16) {
        // memcpy, not a cast: the fuzzer's buffer is not aligned for char16_t.
        QString text(qsizetype(size / 2), Qt::Uninitialized);
        std::memcpy(text.data(), data, size_t(text.size()) * sizeof(char16_t));
        return text;
    }
    return QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
}

inline PayloadSpec textSpec(TextEncoding encoding) {
    PayloadSpec spec;
    spec.mode = PayloadMode::Text;
    spec.encoding = encoding;
    return spec;
}

// What every parse must satisfy, whatever the input.
inline void checkResultShape(const PayloadResult &result, const QString &input, const PayloadSpec &spec) {
    if (result.ok()) {
        SOCKBENCH_FUZZ_CHECK(result.error.isEmpty());
        SOCKBENCH_FUZZ_CHECK(result.bytes.endsWith(lineEndingBytes(spec.lineEnding)));
        return;
    }
    SOCKBENCH_FUZZ_CHECK(result.bytes.isEmpty());
    SOCKBENCH_FUZZ_CHECK(!result.error.isEmpty());
    SOCKBENCH_FUZZ_CHECK(result.errorPosition < input.size());
    SOCKBENCH_FUZZ_CHECK(result.errorLength >= 1);
    SOCKBENCH_FUZZ_CHECK(result.errorPosition + result.errorLength <= input.size());
}

// Every display of the bytes parses back to exactly the bytes.
inline void checkDisplaysRoundTrip(QByteArrayView bytes) {
    for (const TextEncoding encoding : {TextEncoding::Utf8, TextEncoding::Latin1}) {
        const QString display = bytesToEscapedText(bytes, encoding);
        const PayloadResult back = parsePayload(display, textSpec(encoding));
        SOCKBENCH_FUZZ_CHECK(back.ok());
        SOCKBENCH_FUZZ_CHECK(back.bytes == bytes);
        // The exports' UTF-8 form is the same text, and its JSON form reads back as it.
        QByteArray utf8;
        appendEscapedText(&utf8, bytes, encoding);
        SOCKBENCH_FUZZ_CHECK(utf8 == display.toUtf8());
        QByteArray json("[\"");
        appendEscapedText(&json, bytes, encoding, EscapedTextStyle::JsonString);
        json += "\"]";
        SOCKBENCH_FUZZ_CHECK(QJsonDocument::fromJson(json).array().at(0).toString() == display);
    }
    PayloadSpec hex;
    hex.mode = PayloadMode::Hex;
    const PayloadResult fromHex = parsePayload(bytesToHex(bytes), hex);
    SOCKBENCH_FUZZ_CHECK(fromHex.ok());
    SOCKBENCH_FUZZ_CHECK(fromHex.bytes == bytes);
    const qsizetype limit = bytes.size() / 2;
    SOCKBENCH_FUZZ_CHECK(bytesToHex(bytes, limit).endsWith(bytes.size() > limit ? u"…" : u""));
    const qsizetype lines = (bytes.size() + 15) / 16;
    SOCKBENCH_FUZZ_CHECK(bytesToDump(bytes).count(u'\n') == (lines > 0 ? lines - 1 : 0));
}

} // namespace sockbench::fuzz
