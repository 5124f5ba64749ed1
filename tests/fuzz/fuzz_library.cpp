// libFuzzer target: the payload library's JSON reader. Whatever it accepts, the writer writes back
// to text the reader reads to the same entries (and the writer then repeats itself exactly).
#include "fuzzcheck.h"
#include "library/payloadlibrary.h"

using namespace sockbench;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    const LibraryParseResult result = parseLibrary(json);
    SOCKBENCH_FUZZ_CHECK(result.warnings.isEmpty());
    if (!result.ok()) {
        // A refused file gives nothing, not its first good entries.
        SOCKBENCH_FUZZ_CHECK(result.entries.isEmpty());
        return 0;
    }
    const QByteArray written = serializeLibrary(result.entries);
    const LibraryParseResult back = parseLibrary(written);
    SOCKBENCH_FUZZ_CHECK(back.ok());
    SOCKBENCH_FUZZ_CHECK(back.entries == result.entries);
    SOCKBENCH_FUZZ_CHECK(serializeLibrary(back.entries) == written);
    for (const LibraryEntry &e : result.entries) {
        SOCKBENCH_FUZZ_CHECK(!e.name.trimmed().isEmpty());
        // A payload may not parse (a draft), but then it says why and gives no bytes.
        QString error;
        const QByteArray bytes = e.bytes(&error);
        SOCKBENCH_FUZZ_CHECK(error.isEmpty() || bytes.isEmpty());
        if (error.isEmpty() && e.append)
            SOCKBENCH_FUZZ_CHECK(bytes.size() >= checksumWidth(e.append->kind));
    }
    return 0;
}
