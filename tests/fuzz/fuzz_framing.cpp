// libFuzzer target: the framer over any byte stream split into any pushes, and the --frame parser.
//
// Input: byte 0 chooses the mode. With its top bit set, the rest is a --frame SPEC as typed (bit 0:
// UTF-16). Otherwise its low four bits choose a spec, byte 1 the maximum message size (1-32), byte 2
// how many of the following bytes are push sizes; what is left is the stream.
#include "fuzzcheck.h"
#include "protocol/framing.h"

#include <array>
#include <vector>

using namespace sockbench;

namespace {

constexpr std::array<const char *, 16> Specs{
    "raw",          "line",    "line:crlf",    "delim:616162", "delim:00",   "delim:0d0a0d0a",
    "fixed:1",      "fixed:3", "fixed:7",      "len:1",        "len:1+incl", "len:2be",
    "len:2le+incl", "len:4be", "len:4le+incl", "idle:2",
};

struct Message {
    QByteArray payload;
    quint64 cut = 0;
    bool unterminated = false;
    friend bool operator==(const Message &, const Message &) = default;
};

Message cutTo(QByteArrayView whole, qsizetype max, bool unterminated) {
    const qsizetype kept = std::min(max, whole.size());
    return {whole.first(kept).toByteArray(), quint64(whole.size() - kept), unterminated};
}

// What the framer must produce, written the plain way: over the whole stream at once, with every
// message kept whole until the end and cut only then.
std::vector<Message> reference(const FrameSpec &spec, QByteArrayView stream,
                               const std::vector<QByteArrayView> &chunks) {
    std::vector<Message> out;
    const qsizetype max = spec.maxMessageBytes;
    switch (spec.kind) {
    case FrameSpec::Kind::Raw:
        for (const QByteArrayView chunk : chunks) {
            if (!chunk.isEmpty())
                out.push_back(cutTo(chunk, max, false));
        }
        break;
    case FrameSpec::Kind::Delimiter: {
        qsizetype pos = 0;
        qsizetype at;
        while ((at = stream.indexOf(spec.delimiter, pos)) >= 0) {
            out.push_back(cutTo(stream.sliced(pos, at - pos), max, false));
            pos = at + spec.delimiter.size();
        }
        if (pos < stream.size())
            out.push_back(cutTo(stream.sliced(pos), max, true));
        break;
    }
    case FrameSpec::Kind::Fixed:
        for (qsizetype pos = 0; pos < stream.size(); pos += spec.fixedSize) {
            const qsizetype n = std::min(spec.fixedSize, stream.size() - pos);
            out.push_back(cutTo(stream.sliced(pos, n), max, n < spec.fixedSize));
        }
        break;
    case FrameSpec::Kind::LengthPrefix: {
        const qsizetype width = spec.prefixBytes;
        qsizetype pos = 0;
        while (pos < stream.size()) {
            if (stream.size() - pos < width) {
                out.push_back(cutTo(stream.sliced(pos), max, true));
                break;
            }
            quint64 length = 0;
            for (qsizetype i = 0; i < width; ++i)
                length = (length << 8) | quint8(stream[pos + (spec.bigEndian ? i : width - 1 - i)]);
            pos += width;
            const quint64 header = spec.includesHeader ? quint64(width) : 0;
            const quint64 expected = length > header ? length - header : 0;
            const qsizetype available = qsizetype(std::min(expected, quint64(stream.size() - pos)));
            out.push_back(cutTo(stream.sliced(pos, available), max, quint64(available) < expected));
            pos += available;
        }
        break;
    }
    case FrameSpec::Kind::Idle:
        break; // depends on times; checked by accounting instead
    }
    return out;
}

void fuzzFramer(const quint8 *data, size_t size) {
    if (size < 3)
        return;
    FrameSpec spec = *parseFrameSpec(QString::fromLatin1(Specs[data[0] & 0x0F]));
    spec.maxMessageBytes = 1 + data[1] % 32;
    const size_t splits = std::min<size_t>(data[2] % 16, size - 3);
    const quint8 *sizes = data + 3;
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 3 + splits),
                                qsizetype(size - 3 - splits));

    // Push sizes come from the input; the top two bits of each also advance the clock 0-3 ms, so
    // that idle:2 sees gaps both shorter and longer than its own.
    std::vector<QByteArrayView> chunks;
    std::vector<qint64> times;
    qsizetype pos = 0;
    qint64 now = 0;
    for (size_t i = 0; i < splits; ++i) {
        const qsizetype n = std::min<qsizetype>(sizes[i] & 0x3F, stream.size() - pos);
        chunks.push_back(stream.sliced(pos, n));
        now += sizes[i] >> 6;
        times.push_back(now);
        pos += n;
    }
    chunks.push_back(stream.sliced(pos));
    times.push_back(now + 1);

    std::vector<Message> got;
    Framer framer(spec);
    const auto sink = [&got](FramedMessage &&m) {
        got.push_back({m.payload.toByteArray(), m.cutBytes, m.unterminated});
    };
    const qsizetype bound = spec.maxMessageBytes + 4; // a length header may wait before its payload
    for (size_t i = 0; i < chunks.size(); ++i) {
        framer.push(chunks[i], times[i], sink);
        SOCKBENCH_FUZZ_CHECK(framer.pendingBytes() <= bound);
        const qint64 deadline = framer.idleDeadlineMs();
        SOCKBENCH_FUZZ_CHECK(deadline == -1 || (spec.kind == FrameSpec::Kind::Idle && deadline > times[i]));
    }
    framer.flush(sink);
    SOCKBENCH_FUZZ_CHECK(framer.pendingBytes() == 0);
    SOCKBENCH_FUZZ_CHECK(framer.idleDeadlineMs() == -1);

    quint64 accounted = 0;
    bool anyCut = false;
    for (size_t i = 0; i < got.size(); ++i) {
        SOCKBENCH_FUZZ_CHECK(got[i].payload.size() <= spec.maxMessageBytes);
        // Only the stream's end leaves a message unterminated.
        SOCKBENCH_FUZZ_CHECK(!got[i].unterminated || i + 1 == got.size());
        anyCut = anyCut || got[i].cut > 0;
        accounted += quint64(got[i].payload.size()) + got[i].cut;
    }

    if (spec.kind == FrameSpec::Kind::Idle) {
        SOCKBENCH_FUZZ_CHECK(accounted == quint64(stream.size()));
        return;
    }
    SOCKBENCH_FUZZ_CHECK(got == reference(spec, stream, chunks));

    // Without cuts, the messages and their delimiters are the stream again.
    if (!anyCut && spec.kind != FrameSpec::Kind::LengthPrefix) {
        QByteArray joined;
        for (const Message &m : got) {
            joined += m.payload;
            if (spec.kind == FrameSpec::Kind::Delimiter && !m.unterminated)
                joined += spec.delimiter;
        }
        SOCKBENCH_FUZZ_CHECK(joined == stream);
    }
}

void fuzzSpecText(const quint8 *data, size_t size) {
    const QString text = fuzz::typedText(data + 1, size - 1, data[0] & 1);
    QString error;
    const auto spec = parseFrameSpec(text, &error);
    if (!spec) {
        SOCKBENCH_FUZZ_CHECK(!error.isEmpty());
        return;
    }
    SOCKBENCH_FUZZ_CHECK(error.isEmpty());
    const QString written = toString(*spec);
    const auto back = parseFrameSpec(written);
    SOCKBENCH_FUZZ_CHECK(back.has_value());
    SOCKBENCH_FUZZ_CHECK(*back == *spec);
    SOCKBENCH_FUZZ_CHECK(toString(*back) == written);

    // A reply built with the spec's own header is one whole message of it.
    const QByteArray payload = text.toUtf8().left(300);
    const QByteArray header = lengthPrefixFor(*spec, payload.size());
    SOCKBENCH_FUZZ_CHECK(header.isEmpty() ==
                         (spec->kind != FrameSpec::Kind::LengthPrefix ||
                          (spec->prefixBytes == 1 && payload.size() + (spec->includesHeader ? 1 : 0) > 255)));
    if (!header.isEmpty()) {
        std::vector<Message> got;
        Framer framer(*spec);
        framer.push(header + payload, 0, [&got](FramedMessage &&m) {
            got.push_back({m.payload.toByteArray(), m.cutBytes, m.unterminated});
        });
        SOCKBENCH_FUZZ_CHECK(got.size() == 1 && got[0].payload == payload && !got[0].unterminated);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size == 0)
        return 0;
    if (data[0] & 0x80)
        fuzzSpecText(data, size);
    else
        fuzzFramer(data, size);
    return 0;
}
