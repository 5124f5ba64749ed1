// libFuzzer target: the import of Packet Sender's packets.ini, which may come from anywhere. It must
// not crash, and what it imports must be a valid library whose every entry gives its bytes.
#include "fuzzcheck.h"
#include "library/payloadlibrary.h"

using namespace sockbench;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    const QByteArray ini(reinterpret_cast<const char *>(data), qsizetype(size));
    const LibraryParseResult result = importPacketSenderIni(ini);
    if (!result.ok()) {
        SOCKBENCH_FUZZ_CHECK(result.entries.isEmpty());
        return 0;
    }
    for (const LibraryEntry &e : result.entries) {
        // Packets come in as their hex; an HTTP(S) packet as the request it sends, in escaped text.
        SOCKBENCH_FUZZ_CHECK(e.spec.mode == PayloadMode::Hex ||
                             (e.spec.mode == PayloadMode::Text && e.spec.escapes));
        QString error;
        e.bytes(&error);
        SOCKBENCH_FUZZ_CHECK(error.isEmpty());
    }
    const LibraryParseResult back = parseLibrary(serializeLibrary(result.entries));
    SOCKBENCH_FUZZ_CHECK(back.ok());
    SOCKBENCH_FUZZ_CHECK(back.entries == result.entries);
    return 0;
}
