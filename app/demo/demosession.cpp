// sockbench-demo: the real window with a small live session in it, for scripts/screenshot.
//
// Starts a greeting listener and an echo listener on 127.0.0.1, connects clients to them, swaps
// a few messages, binds two UDP sockets that exchange a datagram, makes one connection attempt
// to a closed port, then selects a client and a record so every pane shows something. When all of
// that is on screen it creates the file named by --ready-file and keeps running until killed.
// --tls adds a TLS listener and a verified client, and shows the TLS tab.
// --graph and --tcp keep a varying stream going through the echo listener for a few seconds and
// show the echo client's Graph or TCP tab.

#include "engine/workbench.h"
#include "models/connectionmodel.h"
#include "window/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QPlainTextEdit>
#include <QScreen>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTimer>
#include <QTreeView>

#include <cmath>

using namespace sockbench;

namespace {

/// The session on screen: what it opened, and the steps that fill every pane, run one after the
/// other from main's timers.
class DemoSession final {
public:
    DemoSession(MainWindow &window, const QStringList &args)
        : m_window(window)
        , m_wb(window.workbench())
        , m_rows(window.connectionModel())
        , m_args(args)
        , m_tls(args.contains(QStringLiteral("--tls")))
        , m_graph(args.contains(QStringLiteral("--graph")))
        , m_tcp(args.contains(QStringLiteral("--tcp"))) {}
    Q_DISABLE_COPY_MOVE(DemoSession)

    /// --graph and --tcp keep a stream going, and wait longer before saying they are ready.
    bool live() const { return m_graph || m_tcp; }
    void openEndpoints();
    void connectClients();
    void sendFirst();
    void sendSecond();
    void startStream();
    void selectAndShow();
    void openListenerForm();

private:
    void showTlsTab(QTreeView *connections, QTabWidget *tabs);

    MainWindow &m_window;
    Workbench *m_wb;
    ConnectionModel *m_rows;
    const QStringList m_args;
    const bool m_tls;
    const bool m_graph;
    const bool m_tcp;
    EndpointId m_greeter = 0;
    EndpointId m_echoer = 0;
    EndpointId m_udpA = 0;
    EndpointId m_udpB = 0;
    EndpointId m_tlsListener = 0;
    EndpointId m_tlsClient = 0;
    EndpointId m_client1 = 0;
    EndpointId m_client2 = 0;
    EndpointId m_echoClient = 0;
    quint16 m_closedPort = 0;
    QTimer m_stream;
    int m_tick = 0;
};

void DemoSession::openEndpoints() {
    ListenerOptions greeting;
    greeting.autoReply = AutoReply::Greeting;
    greeting.greeting = "220 sockbench demo ready\r\n";
    ListenerOptions echo;
    echo.autoReply = AutoReply::Echo;
    m_greeter = m_wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, greeting);
    m_echoer = m_wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, echo);
    m_udpA = m_wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
    m_udpB = m_wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
    for (EndpointId id : {m_greeter, m_echoer, m_udpA, m_udpB})
        m_rows->addEndpoint(id);
    // --tls adds a TLS echo listener (the self-signed certificate) and a client that trusts it,
    // selected with its TLS tab showing.
    if (m_tls) {
        ListenerOptions options = echo;
        options.tls = TlsServerOptions{};
        m_tlsListener = m_wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, options);
        m_rows->addEndpoint(m_tlsListener);
    }

    // A port nobody listens on: bind one, note it, let it go.
    QTcpServer probe;
    if (probe.listen(QHostAddress::LocalHost, 0))
        m_closedPort = probe.serverPort();
}

void DemoSession::connectClients() {
    m_client1 = m_wb->connectTcp(QStringLiteral("127.0.0.1"), m_wb->info(m_greeter).local.port);
    m_client2 = m_wb->connectTcp(QStringLiteral("127.0.0.1"), m_wb->info(m_greeter).local.port);
    m_echoClient = m_wb->connectTcp(QStringLiteral("127.0.0.1"), m_wb->info(m_echoer).local.port);
    const EndpointId refused = m_wb->connectTcp(QStringLiteral("127.0.0.1"), m_closedPort);
    for (EndpointId id : {m_client1, m_client2, m_echoClient, refused})
        m_rows->addEndpoint(id);
    if (m_tls && m_wb->info(m_tlsListener).tls) {
        ConnectOptions options;
        TlsClientOptions client;
        client.verify = TlsVerify::CaFile;
        client.caFile = m_wb->info(m_tlsListener).tls->selfSignedPath;
        client.alpn = {QStringLiteral("http/1.1")};
        options.tls = client;
        m_tlsClient =
            m_wb->connectTcp(QStringLiteral("localhost"), m_wb->info(m_tlsListener).local.port, options);
        m_rows->addEndpoint(m_tlsClient);
    }
}

void DemoSession::sendFirst() {
    m_wb->send(m_client1, "HELO workstation.local\r\n");
    m_wb->send(m_echoClient, "ping 1\n");
    if (m_tlsClient)
        m_wb->send(m_tlsClient, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    m_wb->sendDatagram(m_udpA, QStringLiteral("127.0.0.1"), m_wb->info(m_udpB).local.port,
                       QByteArray::fromHex("a55a0010") + "sensor=21.5C");
}

void DemoSession::sendSecond() {
    m_wb->sendToAllClients(m_greeter, "250 Hello, all clients\r\n");
    m_wb->send(m_client2, QByteArray("\x01\x02\x03\x04"
                                     "binary\xff\xfe",
                                     12));
    m_wb->send(m_echoClient, "ping 2\n");
    m_wb->sendDatagram(m_udpB, QStringLiteral("127.0.0.1"), m_wb->info(m_udpA).local.port, "ack\n");
}

// A stream whose rate swells and ebbs, echoed back: both directions on the graph, and a TCP
// connection with something to say.
void DemoSession::startStream() {
    QObject::connect(&m_stream, &QTimer::timeout, &m_window, [this] {
        const auto bytes = qsizetype(48 * 1024 * (1.2 + std::sin(m_tick++ / 6.0)));
        m_wb->send(m_echoClient, QByteArray(bytes, 'x') + '\n');
    });
    QTimer::singleShot(1200, &m_window, [this] { m_stream.start(100); });
}

void DemoSession::selectAndShow() {
    auto *connections = m_window.findChild<QTreeView *>(QStringLiteral("connectionsView"));
    connections->setCurrentIndex(m_rows->indexOf(
        m_args.contains(QStringLiteral("--conversation")) || live() ? m_echoClient : m_client1));
    auto *log = m_window.findChild<QTableView *>(QStringLiteral("trafficView"));
    const int target = [&] {
        for (int r = 0; r < log->model()->rowCount(); ++r) {
            if (log->model()->index(r, 5).data().toString().startsWith(QLatin1String("\\x01")))
                return r;
        }
        return 0;
    }();
    log->setCurrentIndex(log->model()->index(target, 0));
    m_window.findChild<QPlainTextEdit *>(QStringLiteral("composerEdit"))
        ->setPlainText(QStringLiteral("QUIT\\r\\n"));
    // --conversation shows the selected client's conversation instead of the record's bytes.
    auto *tabs = m_window.findChild<QTabWidget *>(QStringLiteral("detailTabs"));
    if (m_args.contains(QStringLiteral("--conversation")))
        tabs->setCurrentIndex(1);
    if (m_graph) {
        tabs->setCurrentWidget(m_window.findChild<QWidget *>(QStringLiteral("graphPage")));
        if (auto *rtt = m_window.findChild<QCheckBox *>(QStringLiteral("graphTcpCheck")))
            rtt->setChecked(true);
    }
    if (m_tcp)
        tabs->setCurrentIndex(tabs->count() - 1);
    if (m_tlsClient)
        showTlsTab(connections, tabs);
}

void DemoSession::showTlsTab(QTreeView *connections, QTabWidget *tabs) {
    connections->setCurrentIndex(m_rows->indexOf(m_tlsClient));
    for (int i = 0; i < tabs->count(); ++i) {
        if (tabs->widget(i)->findChild<QWidget *>(QStringLiteral("tlsPanel")) ||
            tabs->widget(i)->objectName() == QLatin1String("tlsPanel"))
            tabs->setCurrentIndex(i);
    }
}

// --dialog also opens the New listener form with a wildcard address, to review the form itself.
void DemoSession::openListenerForm() {
    m_window.findChild<QAction *>(QStringLiteral("newListenerAction"))->trigger();
    if (auto *address = m_window.findChild<QComboBox *>(QStringLiteral("addressCombo")))
        address->setCurrentText(QStringLiteral("0.0.0.0"));
    if (auto *reply = m_window.findChild<QComboBox *>(QStringLiteral("autoReplyCombo")))
        reply->setCurrentIndex(2);
}

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Sockbench"));
    QApplication::setOrganizationName(QStringLiteral("SockbenchDemo"));
    QString readyFile;
    const QStringList args = QApplication::arguments();
    if (const qsizetype i = args.indexOf(QStringLiteral("--ready-file")); i >= 0 && i + 1 < args.size())
        readyFile = args.at(i + 1);

    MainWindow window;
    const QRect screen = QGuiApplication::primaryScreen()->geometry();
    window.setGeometry(screen);
    window.show();

    DemoSession demo(window, args);
    demo.openEndpoints();
    QTimer::singleShot(300, &window, [&demo] { demo.connectClients(); });
    QTimer::singleShot(700, &window, [&demo] { demo.sendFirst(); });
    QTimer::singleShot(1000, &window, [&demo] { demo.sendSecond(); });
    if (demo.live())
        demo.startStream();
    QTimer::singleShot(1400, &window, [&demo] { demo.selectAndShow(); });
    if (args.contains(QStringLiteral("--dialog")))
        QTimer::singleShot(1600, &window, [&demo] { demo.openListenerForm(); });
    QTimer::singleShot(demo.live() ? 9000 : 2000, &window, [&readyFile] {
        if (!readyFile.isEmpty()) {
            QFile ready(readyFile);
            if (!ready.open(QIODevice::WriteOnly))
                qWarning("cannot write %s", qPrintable(readyFile));
        }
    });
    return QApplication::exec();
}
