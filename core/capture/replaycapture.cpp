// ReplayScript from a capture file. Apart from replay.cpp so that the players link on their own:
// this part needs the capture reader.

#include "capture/replay.h"
#include "language/numbers.h"

#include <QFileInfo>

namespace sockbench {

namespace {

/// "0-3", "0, 2, 5-7": stream numbers as ranges.
QString ranges(QList<int> numbers) {
    std::sort(numbers.begin(), numbers.end());
    QStringList parts;
    for (qsizetype i = 0; i < numbers.size();) {
        qsizetype j = i;
        while (j + 1 < numbers.size() && numbers.at(j + 1) == numbers.at(j) + 1)
            ++j;
        parts << (j == i ? QString::number(numbers.at(i))
                         : QStringLiteral("%1-%2").arg(numbers.at(i)).arg(numbers.at(j)));
        i = j + 1;
    }
    return parts.join(QStringLiteral(", "));
}

/// "capture.pcapng has TCP streams 0-3 and UDP streams 0-1".
QString whatItHas(const CaptureFile &capture, const QString &name) {
    QList<int> tcp;
    QList<int> udp;
    for (const CaptureStream &s : capture.streams)
        (s.protocol == CaptureProtocol::Tcp ? tcp : udp).append(s.number);
    const auto say = [](const char *protocol, const QList<int> &numbers) {
        if (numbers.isEmpty())
            return QStringLiteral("no %1 stream").arg(QLatin1StringView(protocol));
        return QStringLiteral("%1 %2 %3")
            .arg(QLatin1StringView(protocol),
                 numbers.size() == 1 ? QStringLiteral("stream") : QStringLiteral("streams"), ranges(numbers));
    };
    if (tcp.isEmpty() && udp.isEmpty())
        return QStringLiteral("%1 has no TCP or UDP stream").arg(name);
    return QStringLiteral("%1 has %2 and %3").arg(name, say("TCP", tcp), say("UDP", udp));
}

} // namespace

bool ReplayScript::fromCapture(const CaptureFile &capture, int streamNumber, ReplayScript *out,
                               QString *error) {
    const QString name = QFileInfo(capture.path).fileName().isEmpty() ? QStringLiteral("the capture")
                                                                      : QFileInfo(capture.path).fileName();
    int index = -1;
    if (streamNumber < 0) {
        // The first stream that has something to replay (a refused connect has nothing).
        for (qsizetype i = 0; i < capture.streams.size() && index < 0; ++i) {
            const CaptureStream &s = capture.streams.at(i);
            if (s.bytesToServer + s.bytesToClient > 0)
                index = int(i);
        }
        if (index < 0) {
            *error = capture.streams.isEmpty()
                         ? QStringLiteral("%1 has no TCP or UDP stream to replay").arg(name)
                         : QStringLiteral("%1 has no stream with payload to replay (%2)")
                               .arg(name, whatItHas(capture, QStringLiteral("it")));
            return false;
        }
    } else {
        index = capture.findStream(CaptureProtocol::Tcp, streamNumber);
        if (index < 0)
            index = capture.findStream(CaptureProtocol::Udp, streamNumber);
        if (index < 0) {
            *error = QStringLiteral("no stream %1: %2").arg(streamNumber).arg(whatItHas(capture, name));
            return false;
        }
    }
    const CaptureStream &stream = capture.streams.at(index);
    ReplayScript script;
    script.udp = stream.protocol == CaptureProtocol::Udp;
    script.source = QStringLiteral("%1#%2%3")
                        .arg(name)
                        .arg(stream.number)
                        .arg(script.udp ? QStringLiteral(" (UDP)") : QString());
    if (stream.bytesMissing > 0) {
        *error = missingBytesError(script.source, stream.bytesMissing);
        return false;
    }
    const char *base = capture.file ? capture.file->bytes() : nullptr;
    const quint64 size = capture.file ? capture.file->size() : 0;
    for (const CaptureRecord &r : capture.records) {
        if (r.stream != index)
            continue;
        if (r.kind == RecordKind::Event) {
            if (r.marker == Marker::FinReceived || r.marker == Marker::ResetReceived)
                script.serverClosed = !script.udp;
            continue;
        }
        if (r.offset > size || r.length > size - r.offset) {
            *error = QStringLiteral("%1: a record's bytes lie outside the file").arg(script.source);
            return false;
        }
        if (script.udp && r.originalLength > r.length) {
            *error =
                QStringLiteral("%1 cannot be replayed whole: the capture cut a datagram of %2 bytes to %3")
                    .arg(script.source, grouped(r.originalLength), grouped(r.length));
            return false;
        }
        ReplayMessage message;
        message.fromClient = r.kind == RecordKind::DataOut;
        message.timeNs = r.timeNs;
        message.bytes = QByteArray(base + r.offset, qsizetype(r.length));
        script.messages.append(message);
    }
    if (script.messages.isEmpty()) {
        *error = QStringLiteral("%1 (%2 %3 -> %4) has no payload to replay")
                     .arg(script.source, script.udp ? QStringLiteral("UDP") : QStringLiteral("TCP"),
                          stream.client.toString(), stream.server.toString());
        return false;
    }
    script.computeGates();
    *out = std::move(script);
    return true;
}

bool ReplayScript::fromCaptureSpec(const QString &spec, ReplayScript *out, QString *error) {
    QString path = spec;
    int number = -1;
    const qsizetype hash = spec.lastIndexOf(u'#');
    // "FILE#N", unless a file is really called that.
    if (hash >= 0 && !QFileInfo::exists(spec)) {
        path = spec.left(hash);
        const QString n = spec.mid(hash + 1);
        bool ok = false;
        number = n.toInt(&ok, 10);
        if (!ok || number < 0 || n.startsWith(u'+') || n.startsWith(u'-')) {
            *error = QStringLiteral("'%1': expected a stream number after '#' (Wireshark's tcp.stream or "
                                    "udp.stream), e.g. %2#0")
                         .arg(spec, path.isEmpty() ? QStringLiteral("capture.pcapng") : path);
            return false;
        }
    }
    if (path.isEmpty()) {
        *error = QStringLiteral("'%1': missing the capture file's name").arg(spec);
        return false;
    }
    if (QFileInfo(path).isDir()) {
        *error = QStringLiteral("%1: is a directory, not a capture file").arg(path);
        return false;
    }
    const std::unique_ptr<CaptureFile> capture = readCapture(path, error);
    if (!capture)
        return false;
    return fromCapture(*capture, number, out, error);
}

} // namespace sockbench
