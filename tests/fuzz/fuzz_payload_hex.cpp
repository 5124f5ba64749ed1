// libFuzzer target: hex mode of the payload language.
#include "fuzzcheck.h"

using namespace sockbench;
using namespace sockbench::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size == 0)
        return 0;
    const quint8 flags = data[0];
    PayloadSpec spec;
    spec.mode = PayloadMode::Hex;
    spec.lineEnding = LineEnding(flags & 3);
    const QString input = typedText(data + 1, size - 1, flags & 4);

    const PayloadResult result = parsePayload(input, spec);
    checkResultShape(result, input, spec);
    if (result.ok()) {
        const QByteArrayView payload =
            QByteArrayView(result.bytes).first(result.bytes.size() - lineEndingBytes(spec.lineEnding).size());
        checkDisplaysRoundTrip(payload);
        // Every byte takes at least one typed character.
        SOCKBENCH_FUZZ_CHECK(payload.size() <= input.size());
    }
    return 0;
}
