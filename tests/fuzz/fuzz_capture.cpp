// libFuzzer target: the pcap and pcapng readers (and the TCP reassembly behind them) on any file.
//
// Input: a whole capture file. Properties: a file is either read or refused with a message; every
// data record points inside the file (or the datagrams rebuilt from fragments after it); every record names a
// stream that exists; every warning says which block stopped the reader.
#include "capture/capturefile.h"
#include "fuzzcheck.h"

#include <cstring>

using namespace sockbench;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    const auto file =
        MappedFile::fromBytes(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    QString error;
    const auto capture = readCapture(file, &error);
    if (!capture) {
        SOCKBENCH_FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    SOCKBENCH_FUZZ_CHECK(capture->skippedPackets <= capture->packets);
    // Records index the capture's bytes: the file, then the IPv4 datagrams put back together from
    // their fragments, held after it. The file's part is the input, unchanged.
    const quint64 indexed = capture->file->size();
    SOCKBENCH_FUZZ_CHECK(indexed >= size && std::memcmp(capture->file->bytes(), data, size) == 0);
    for (const CaptureRecord &r : capture->records) {
        SOCKBENCH_FUZZ_CHECK(r.stream >= 0 && r.stream < capture->streams.size());
        if (r.kind != RecordKind::Event)
            SOCKBENCH_FUZZ_CHECK(r.offset <= indexed && r.length <= indexed - r.offset);
    }
    for (const QString &warning : capture->warnings)
        SOCKBENCH_FUZZ_CHECK(warning.startsWith(QLatin1String("block ")) ||
                             !warning.contains(QLatin1String("offset")));
    return 0;
}
