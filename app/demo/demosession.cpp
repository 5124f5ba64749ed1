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
    Workbench *wb = window.workbench();
    ConnectionModel *rows = window.connectionModel();

    ListenerOptions greeting;
    greeting.autoReply = AutoReply::Greeting;
    greeting.greeting = "220 sockbench demo ready\r\n";
    ListenerOptions echo;
    echo.autoReply = AutoReply::Echo;
    const EndpointId greeter = wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, greeting);
    const EndpointId echoer = wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, echo);
    const EndpointId udpA = wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
    const EndpointId udpB = wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
    for (EndpointId id : {greeter, echoer, udpA, udpB})
        rows->addEndpoint(id);
    // --tls adds a TLS echo listener (the self-signed certificate) and a client that trusts it,
    // selected with its TLS tab showing.
    const bool tls = args.contains(QStringLiteral("--tls"));
    EndpointId tlsListener = 0;
    EndpointId tlsClient = 0;
    if (tls) {
        ListenerOptions options = echo;
        options.tls = TlsServerOptions{};
        tlsListener = wb->startTcpListener(QStringLiteral("127.0.0.1"), 0, options);
        rows->addEndpoint(tlsListener);
    }

    // A port nobody listens on: bind one, note it, let it go.
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, 0))
            closedPort = probe.serverPort();
    }

    EndpointId client1 = 0;
    EndpointId client2 = 0;
    EndpointId echoClient = 0;
    QTimer::singleShot(300, &window, [&] {
        client1 = wb->connectTcp(QStringLiteral("127.0.0.1"), wb->info(greeter).local.port);
        client2 = wb->connectTcp(QStringLiteral("127.0.0.1"), wb->info(greeter).local.port);
        echoClient = wb->connectTcp(QStringLiteral("127.0.0.1"), wb->info(echoer).local.port);
        const EndpointId refused = wb->connectTcp(QStringLiteral("127.0.0.1"), closedPort);
        for (EndpointId id : {client1, client2, echoClient, refused})
            rows->addEndpoint(id);
        if (tls && wb->info(tlsListener).tls) {
            ConnectOptions options;
            TlsClientOptions client;
            client.verify = TlsVerify::CaFile;
            client.caFile = wb->info(tlsListener).tls->selfSignedPath;
            client.alpn = {QStringLiteral("http/1.1")};
            options.tls = client;
            tlsClient =
                wb->connectTcp(QStringLiteral("localhost"), wb->info(tlsListener).local.port, options);
            rows->addEndpoint(tlsClient);
        }
    });
    QTimer::singleShot(700, &window, [&] {
        wb->send(client1, "HELO workstation.local\r\n");
        wb->send(echoClient, "ping 1\n");
        if (tlsClient)
            wb->send(tlsClient, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        wb->sendDatagram(udpA, QStringLiteral("127.0.0.1"), wb->info(udpB).local.port,
                         QByteArray::fromHex("a55a0010") + "sensor=21.5C");
    });
    QTimer::singleShot(1000, &window, [&] {
        wb->sendToAllClients(greeter, "250 Hello, all clients\r\n");
        wb->send(client2, QByteArray("\x01\x02\x03\x04"
                                     "binary\xff\xfe",
                                     12));
        wb->send(echoClient, "ping 2\n");
        wb->sendDatagram(udpB, QStringLiteral("127.0.0.1"), wb->info(udpA).local.port, "ack\n");
    });
    const bool graph = args.contains(QStringLiteral("--graph"));
    const bool tcp = args.contains(QStringLiteral("--tcp"));
    const bool live = graph || tcp;
    // A stream whose rate swells and ebbs, echoed back: both directions on the graph, and a TCP
    // connection with something to say.
    QTimer stream;
    int tick = 0;
    if (live) {
        QObject::connect(&stream, &QTimer::timeout, &window, [&] {
            const auto bytes = qsizetype(48 * 1024 * (1.2 + std::sin(tick++ / 6.0)));
            wb->send(echoClient, QByteArray(bytes, 'x') + '\n');
        });
        QTimer::singleShot(1200, &window, [&] { stream.start(100); });
    }
    QTimer::singleShot(1400, &window, [&] {
        auto *connections = window.findChild<QTreeView *>(QStringLiteral("connectionsView"));
        connections->setCurrentIndex(
            rows->indexOf(args.contains(QStringLiteral("--conversation")) || live ? echoClient : client1));
        auto *log = window.findChild<QTableView *>(QStringLiteral("trafficView"));
        const int target = [&] {
            for (int r = 0; r < log->model()->rowCount(); ++r) {
                if (log->model()->index(r, 5).data().toString().startsWith(QLatin1String("\\x01")))
                    return r;
            }
            return 0;
        }();
        log->setCurrentIndex(log->model()->index(target, 0));
        window.findChild<QPlainTextEdit *>(QStringLiteral("composerEdit"))
            ->setPlainText(QStringLiteral("QUIT\\r\\n"));
        // --conversation shows the selected client's conversation instead of the record's bytes.
        auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("detailTabs"));
        if (args.contains(QStringLiteral("--conversation")))
            tabs->setCurrentIndex(1);
        if (graph) {
            tabs->setCurrentWidget(window.findChild<QWidget *>(QStringLiteral("graphPage")));
            if (auto *rtt = window.findChild<QCheckBox *>(QStringLiteral("graphTcpCheck")))
                rtt->setChecked(true);
        }
        if (tcp)
            tabs->setCurrentIndex(tabs->count() - 1);
        if (tlsClient) {
            connections->setCurrentIndex(rows->indexOf(tlsClient));
            for (int i = 0; i < tabs->count(); ++i) {
                if (tabs->widget(i)->findChild<QWidget *>(QStringLiteral("tlsPanel")) ||
                    tabs->widget(i)->objectName() == QLatin1String("tlsPanel"))
                    tabs->setCurrentIndex(i);
            }
        }
    });
    // --dialog also opens the New listener form with a wildcard address, to review the form itself.
    if (args.contains(QStringLiteral("--dialog"))) {
        QTimer::singleShot(1600, &window, [&] {
            window.findChild<QAction *>(QStringLiteral("newListenerAction"))->trigger();
            if (auto *address = window.findChild<QComboBox *>(QStringLiteral("addressCombo")))
                address->setCurrentText(QStringLiteral("0.0.0.0"));
            if (auto *reply = window.findChild<QComboBox *>(QStringLiteral("autoReplyCombo")))
                reply->setCurrentIndex(2);
        });
    }
    QTimer::singleShot(live ? 9000 : 2000, &window, [&] {
        if (!readyFile.isEmpty()) {
            QFile ready(readyFile);
            if (!ready.open(QIODevice::WriteOnly))
                qWarning("cannot write %s", qPrintable(readyFile));
        }
    });
    return QApplication::exec();
}
