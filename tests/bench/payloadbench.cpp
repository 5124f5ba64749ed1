// payloadbench: how fast the payload language parses and displays big payloads.
// Usage: payloadbench [MiB] (default 10). Prints the best of several runs; asserts nothing.
#include "language/payload.h"

#include <QElapsedTimer>
#include <QRandomGenerator>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>

using namespace sockbench;

namespace {

constexpr int kRuns = 5;
constexpr double kMiB = 1024.0 * 1024.0;

// Best of kRuns: the machine is shared, and the minimum is the least disturbed figure.
double bestSeconds(const std::function<qsizetype()> &work) {
    double best = 1e30;
    qsizetype sink = 0;
    for (int run = 0; run < kRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        sink += work();
        best = std::min(best, double(timer.nsecsElapsed()) / 1e9);
    }
    if (sink < 0) // keeps the work observable
        std::puts("");
    return best;
}

void report(const char *what, qsizetype units, const char *unitName, double seconds) {
    std::printf("%-44s %8.1f MiB %-6s %8.1f ms %9.1f MiB/s\n", what, double(units) / kMiB, unitName,
                seconds * 1e3, double(units) / kMiB / seconds);
}

// "de ad be ef ..." until the text holds `chars` characters.
QString hexText(qsizetype chars, QRandomGenerator &random) {
    QByteArray bytes((chars + 1) / 3, Qt::Uninitialized); // n bytes take 3n - 1 characters
    for (char &b : bytes)
        b = char(random.bounded(256));
    return bytesToHex(bytes);
}

// Typical typed text: words, with a named escape, a raw byte or a code point now and then.
QString escapedText(qsizetype chars, QRandomGenerator &random) {
    static const char *const pieces[] = {"Hello", " ",   "world",     "GET /index.html", "\\r\\n", "\\x00",
                                         "\\xff", "\\t", "caf\u00e9", "\\u{20ac}",       "\\\\",   "\\e[0m"};
    QString text;
    text.reserve(chars + 32);
    while (text.size() < chars)
        text += QString::fromUtf8(pieces[random.bounded(int(std::size(pieces)))]);
    // Never cut an escape in half.
    while (text.size() > chars && !text.endsWith(u' '))
        text.chop(1);
    return text;
}

} // namespace

int main(int argc, char *argv[]) {
    const double mib = argc > 1 ? std::atof(argv[1]) : 10.0;
    if (mib <= 0) {
        std::fprintf(stderr, "usage: payloadbench [MiB]\n");
        return 2;
    }
    const auto size = qsizetype(mib * kMiB);
    QRandomGenerator random(42);

    const QString hex = hexText(size, random);
    const QString text = escapedText(size, random);
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &b : bytes)
        b = char(random.bounded(256));

    PayloadSpec hexSpec;
    hexSpec.mode = PayloadMode::Hex;
    const PayloadSpec textSpec;

    std::printf("payloadbench: %.1f MiB inputs, best of %d runs\n", mib, kRuns);
    const PayloadResult fromHex = parsePayload(hex, hexSpec);
    const PayloadResult fromText = parsePayload(text, textSpec);
    if (!fromHex.ok() || !fromText.ok()) {
        std::fprintf(stderr, "payloadbench: generated input did not parse: %s\n",
                     qPrintable(fromHex.error + fromText.error));
        return 1;
    }
    report("parsePayload hex (\"de ad be ef\")", hex.size(), "chars",
           bestSeconds([&] { return parsePayload(hex, hexSpec).bytes.size(); }));
    report("parsePayload text with escapes (UTF-8)", text.size(), "chars",
           bestSeconds([&] { return parsePayload(text, textSpec).bytes.size(); }));
    const QString display = bytesToEscapedText(bytes);
    report("parsePayload escaped display of random bytes", display.size(), "chars",
           bestSeconds([&] { return parsePayload(display, textSpec).bytes.size(); }));
    report("bytesToEscapedText random bytes (UTF-8)", bytes.size(), "bytes",
           bestSeconds([&] { return bytesToEscapedText(bytes).size(); }));
    report("bytesToEscapedText parsed text (UTF-8)", fromText.bytes.size(), "bytes",
           bestSeconds([&] { return bytesToEscapedText(fromText.bytes).size(); }));
    report("bytesToEscapedText random bytes (Latin-1)", bytes.size(), "bytes",
           bestSeconds([&] { return bytesToEscapedText(bytes, TextEncoding::Latin1).size(); }));
    report("bytesToHex", bytes.size(), "bytes", bestSeconds([&] { return bytesToHex(bytes).size(); }));
    report("bytesToDump", bytes.size(), "bytes", bestSeconds([&] { return bytesToDump(bytes).size(); }));
    return 0;
}
