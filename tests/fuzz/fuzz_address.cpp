// libFuzzer target: the address parser.
#include "fuzzcheck.h"
#include "language/address.h"

using namespace sockbench;

namespace {

void checkResult(const HostPortResult &result, const QString &input, bool hostExpected) {
    if (!result.ok()) {
        SOCKBENCH_FUZZ_CHECK(!result.error.isEmpty());
        SOCKBENCH_FUZZ_CHECK(result.errorPosition <= input.size());
        return;
    }
    SOCKBENCH_FUZZ_CHECK(result.error.isEmpty());
    if (!hostExpected)
        return;
    const QString &host = result.value.host;
    SOCKBENCH_FUZZ_CHECK(!host.isEmpty());
    // A host with a colon can only have come from brackets, which only take IPv6.
    SOCKBENCH_FUZZ_CHECK(!host.contains(u':') || isNumericAddress(host));
    SOCKBENCH_FUZZ_CHECK(!isWildcardAddress(host) || isNumericAddress(host));
    // What we print, users paste back.
    const HostPortResult back = parseHostPort(formatHostPort(host, result.value.port));
    SOCKBENCH_FUZZ_CHECK(back.ok());
    SOCKBENCH_FUZZ_CHECK(back.value.host == host);
    SOCKBENCH_FUZZ_CHECK(back.value.port == result.value.port);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size == 0)
        return 0;
    const QString input = sockbench::fuzz::typedText(data + 1, size - 1, data[0] & 1);
    checkResult(parseHostPort(input), input, true);
    checkResult(parsePort(input), input, false);
    isNumericAddress(input);
    isWildcardAddress(input);
    return 0;
}
