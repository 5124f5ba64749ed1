#include "style/presentation.h"
#include "engine/workbench.h"
#include "journal/recordformat.h"
#include "language/payload.h"

#include <algorithm>
#include <functional>

#include <QApplication>
#include <QCoreApplication>
#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

namespace sockbench {

namespace {

QString trState(const char *text) {
    return QCoreApplication::translate("sockbench::State", text);
}

} // namespace

QIcon resourceIcon(const char *name, QStyle::StandardPixmap fallback) {
    QIcon icon(QStringLiteral(":/icons/%1.png").arg(QLatin1String(name)));
    if (icon.isNull())
        icon = QApplication::style()->standardIcon(fallback);
    return icon;
}

QColor stateColor(EndpointState state) {
    switch (state) {
    case EndpointState::Listening:
    case EndpointState::Connected:
    case EndpointState::Bound:
        return QColor(0x1b, 0x8a, 0x2f);
    case EndpointState::Resolving:
    case EndpointState::Connecting:
    case EndpointState::Handshaking:
    case EndpointState::PeerClosed:
        return QColor(0xb3, 0x6b, 0x00);
    case EndpointState::Stopped:
    case EndpointState::Closed:
        return QColor(0x70, 0x70, 0x70);
    case EndpointState::Reset:
    case EndpointState::Failed:
        return errorColor();
    }
    return Qt::black;
}

namespace {

/// A 16x16 icon drawn once per key and cached: data() asks for icons at every repaint.
QIcon paintedIcon(QHash<int, QIcon> &cache, int key, const std::function<void(QPainter &)> &draw) {
    auto it = cache.constFind(key);
    if (it != cache.constEnd())
        return *it;
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        draw(painter);
    }
    return *cache.insert(key, QIcon(pixmap));
}

} // namespace

QIcon stateIcon(EndpointState state) {
    static QHash<int, QIcon> cache;
    return paintedIcon(cache, int(state), [state](QPainter &painter) {
        painter.setPen(stateColor(state).darker(130));
        painter.setBrush(stateColor(state));
        if (isFinal(state)) {
            // A hollow ring for sockets that are gone, so state is readable without colour.
            painter.setBrush(Qt::NoBrush);
            painter.setPen(QPen(stateColor(state), 2.5));
        }
        painter.drawEllipse(QRectF(3, 3, 10, 10));
    });
}

QString stateText(EndpointState state, const QString &error) {
    switch (state) {
    case EndpointState::Resolving:
        return trState("Resolving");
    case EndpointState::Connecting:
        return trState("Connecting");
    case EndpointState::Handshaking:
        return trState("TLS handshake");
    case EndpointState::Listening:
        return trState("Listening");
    case EndpointState::Connected:
        return trState("Connected");
    case EndpointState::PeerClosed:
        return trState("Peer closed (FIN)");
    case EndpointState::Bound:
        return trState("Bound");
    case EndpointState::Stopped:
        return trState("Stopped");
    case EndpointState::Closed:
        return trState("Closed");
    case EndpointState::Reset:
        return trState("Reset");
    case EndpointState::Failed:
        return error.isEmpty() ? trState("Failed") : trState("Failed: %1").arg(error);
    }
    return {};
}

StateCause stateCause(const EndpointInfo &info) {
    switch (info.state) {
    case EndpointState::PeerClosed:
        return StateCause::PeerFin;
    case EndpointState::Reset:
        return info.resetByUs ? StateCause::OurAbort : StateCause::PeerReset;
    default:
        return StateCause::Plain;
    }
}

int widestStateText(const QFontMetrics &metrics) {
    int widest = 0;
    for (int s = int(EndpointState::Resolving); s <= int(EndpointState::Failed); ++s)
        widest = std::max(widest, metrics.horizontalAdvance(stateText(EndpointState(s))));
    for (const char *cause : {"Reset by peer", "Aborted (RST sent)"})
        widest = std::max(widest, metrics.horizontalAdvance(trState(cause)));
    return widest;
}

QString stateText(const EndpointInfo &info) {
    switch (stateCause(info)) {
    case StateCause::PeerFin:
        return trState("Peer closed (FIN)");
    case StateCause::PeerReset:
        return trState("Reset by peer");
    case StateCause::OurAbort:
        return trState("Aborted (RST sent)");
    case StateCause::Plain:
        break;
    }
    return stateText(info.state, info.error);
}

QString stateToolTip(const EndpointInfo &info) {
    const QString text = stateText(info);
    // The engine's own words add what the short form leaves out (dropped bytes, the errno text).
    if (info.error.isEmpty() || text.contains(info.error))
        return text;
    return trState("%1 — %2").arg(text, info.error);
}

QIcon stateIcon(const EndpointInfo &info) {
    const StateCause cause = stateCause(info);
    if (cause == StateCause::Plain)
        return stateIcon(info.state);
    static QHash<int, QIcon> cache;
    const QColor color = stateColor(info.state);
    return paintedIcon(cache, int(cause), [cause, color](QPainter &painter) {
        // Shapes, not only colours, tell the causes apart: a half ring for a FIN (one side still
        // open), a cross for a reset that came in, a filled square for the RST we sent.
        switch (cause) {
        case StateCause::PeerFin:
            painter.setPen(QPen(color, 2.5));
            painter.drawArc(QRectF(3, 3, 10, 10), 90 * 16, 180 * 16);
            painter.setBrush(color);
            painter.drawPie(QRectF(3, 3, 10, 10), -90 * 16, 180 * 16);
            break;
        case StateCause::PeerReset:
            painter.setPen(QPen(color, 2.5, Qt::SolidLine, Qt::RoundCap));
            painter.drawLine(QPointF(4, 4), QPointF(12, 12));
            painter.drawLine(QPointF(12, 4), QPointF(4, 12));
            break;
        case StateCause::OurAbort:
            painter.setPen(color.darker(130));
            painter.setBrush(color);
            painter.drawRect(QRectF(4, 4, 8, 8));
            break;
        case StateCause::Plain:
            break;
        }
    });
}

QString kindText(EndpointKind kind, bool accepted) {
    switch (kind) {
    case EndpointKind::TcpListener:
        return trState("Listener");
    case EndpointKind::TcpConnection:
        return accepted ? trState("Accepted") : trState("Client");
    case EndpointKind::UdpSocket:
        return trState("UDP");
    }
    return {};
}

EndpointId relayOf(const Workbench &workbench, const EndpointInfo &info) {
    if (info.relay)
        return info.id;
    if (info.listener != 0) {
        const auto it = workbench.endpoints().constFind(info.listener);
        if (it != workbench.endpoints().constEnd() && it->relay)
            return info.listener;
    }
    return 0;
}

QString relayKindText(const Workbench &workbench, const EndpointInfo &info) {
    if (info.relay)
        return info.relay->udp ? trState("UDP relay") : trState("TCP relay");
    if (relayOf(workbench, info) == 0)
        return {};
    if (info.kind == EndpointKind::UdpSocket)
        return trState("Relay socket");
    return info.outgoing ? trState("Target leg") : trState("Client leg");
}

QString formatCount(quint64 count) {
    return QLocale::system().toString(count);
}

QString formatByteCount(quint64 bytes) {
    return bytes == 1 ? trState("1 byte") : trState("%1 bytes").arg(formatCount(bytes));
}

QString formatSize(double bytes) {
    return QLocale::system().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeIecFormat);
}

QString formatTimestamp(qint64 timeNs) {
    // The one timestamp formatter in core, so the window and what is copied or exported agree.
    return formatTimestamp(timeNs, TimestampStyle::Display);
}

namespace {

/// Whether bytes are UTF-8 text, but for a character cut at the start or at the end of a slice.
bool isUtf8Slice(QByteArrayView bytes) {
    qsizetype begin = 0;
    while (begin < bytes.size() && begin < 3 && (quint8(bytes[begin]) & 0xC0) == 0x80)
        ++begin;
    qsizetype end = bytes.size();
    for (qsizetype i = end - 1; i >= begin && i >= end - 4; --i) {
        const quint8 b = quint8(bytes[i]);
        if ((b & 0xC0) == 0x80)
            continue;
        const qsizetype needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (end - i < needed)
            end = i;
        break;
    }
    return bytes.sliced(begin, end - begin).isValidUtf8();
}

} // namespace

QString payloadDisplayText(QByteArrayView bytes) {
    return bytesToEscapedText(bytes, isUtf8Slice(bytes) ? TextEncoding::Utf8 : TextEncoding::Latin1);
}

QString payloadDisplayText(QByteArrayView shown, QByteArrayView whole) {
    return bytesToEscapedText(shown, whole.isValidUtf8() ? TextEncoding::Utf8 : TextEncoding::Latin1);
}

QString formatTimeOfDay(qint64 timeNs) {
    // "YYYY-MM-DD " comes first in formatTimestamp's fixed layout.
    return formatTimestamp(timeNs).mid(11);
}

QString formatDelta(qint64 deltaNs) {
    const qint64 micros = deltaNs / 1000;
    return QStringLiteral("+%1.%2 s").arg(micros / 1000000).arg(micros % 1000000, 6, 10, QLatin1Char('0'));
}

QString droppedRecordsText(const DroppedRecords &dropped) {
    if (dropped.records == 0)
        return {};
    return QCoreApplication::translate("Journal", "%1 older records dropped, up to %2 (%3 of payload)")
        .arg(formatCount(dropped.records), formatTimestamp(dropped.lastTimeNs),
             formatSize(double(dropped.bytesIn + dropped.bytesOut)));
}

QColor inboundColor() {
    return QColor(0x15, 0x5f, 0xb5);
}

QColor outboundColor() {
    return QColor(0xb0, 0x3a, 0x1a);
}

QString directionText(RecordKind kind) {
    switch (kind) {
    case RecordKind::DataIn:
        return trState("← in");
    case RecordKind::DataOut:
        return trState("→ out");
    case RecordKind::Event:
        return trState("• event");
    }
    return {};
}

QString recordKindWord(RecordKind kind) {
    switch (kind) {
    case RecordKind::DataIn:
        return trState("received");
    case RecordKind::DataOut:
        return trState("sent");
    case RecordKind::Event:
        return trState("event");
    }
    return {};
}

QColor eventColor() {
    return QColor(Qt::darkGray);
}

QColor finishedColor() {
    return QColor(Qt::gray);
}

QString finalStateWord(EndpointState state) {
    return state == EndpointState::Failed ? trState("failed") : trState("closed");
}

QString endpointLabel(const Workbench &workbench, EndpointId id) {
    const auto it = workbench.endpoints().constFind(id);
    if (it == workbench.endpoints().constEnd())
        return trState("#%1").arg(id);
    if (const QString relay = relayKindText(workbench, *it); !relay.isEmpty())
        return trState("#%1 %2").arg(id).arg(it->relay ? relay
                                                       : relay.toLower()); // "#3 TCP relay", "#4 client leg"
    switch (it->kind) {
    case EndpointKind::TcpListener:
        return trState("#%1 listener").arg(id);
    case EndpointKind::TcpConnection:
        return it->listener != 0 ? trState("#%1 accepted").arg(id) : trState("#%1 client").arg(id);
    case EndpointKind::UdpSocket:
        return trState("#%1 UDP").arg(id);
    }
    return trState("#%1").arg(id);
}

QString endpointAddress(const Workbench &workbench, EndpointId id) {
    const EndpointInfo info = workbench.info(id);
    if (info.peer.isValid())
        return info.peer.toString();
    if (info.local.isValid())
        return info.local.toString();
    return {};
}

QColor errorColor() {
    return QColor(0xc6, 0x28, 0x28);
}

QColor errorBackgroundColor() {
    return QColor(0xff, 0xcd, 0xd2);
}

QColor warningColor() {
    return QColor(0x8a, 0x53, 0x00);
}

QString errorTextStyle() {
    return QStringLiteral("color: %1;").arg(errorColor().name());
}

QString errorFieldStyle() {
    return QStringLiteral("background: %1;").arg(errorBackgroundColor().name());
}

QString warningTextStyle() {
    return QStringLiteral("color: %1; font-weight: bold;").arg(warningColor().name());
}

} // namespace sockbench
