// libFuzzer target: text mode of the payload language, and the displays of arbitrary bytes.
#include "fuzzcheck.h"

using namespace sockbench;
using namespace sockbench::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size == 0)
        return 0;
    const quint8 flags = data[0];
    PayloadSpec spec;
    spec.mode = PayloadMode::Text;
    spec.encoding = (flags & 1) ? TextEncoding::Latin1 : TextEncoding::Utf8;
    spec.escapes = !(flags & 2);
    spec.lineEnding = LineEnding((flags >> 2) & 3);
    const QString input = typedText(data + 1, size - 1, flags & 16);

    const PayloadResult result = parsePayload(input, spec);
    checkResultShape(result, input, spec);
    if (result.ok()) {
        const QByteArrayView payload =
            QByteArrayView(result.bytes).first(result.bytes.size() - lineEndingBytes(spec.lineEnding).size());
        checkDisplaysRoundTrip(payload);
        // With escapes off the text is sent literally: exactly what Qt's own encoders make of it.
        if (!spec.escapes) {
            const QByteArray literal =
                spec.encoding == TextEncoding::Latin1 ? input.toLatin1() : input.toUtf8();
            SOCKBENCH_FUZZ_CHECK(payload == literal);
        }
    }
    // The raw input as received bytes: their display must round-trip too.
    checkDisplaysRoundTrip(QByteArrayView(data, qsizetype(size)));
    return 0;
}
