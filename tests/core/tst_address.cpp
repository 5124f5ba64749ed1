#include "language/address.h"
#include "testmain.h"

#include <QTest>

using namespace sockbench;

class TestAddress final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesHostPort_data();
    void parsesHostPort();
    void rejectsHostPort_data();
    void rejectsHostPort();
    void parsesPort_data();
    void parsesPort();
    void recognisesNumericAddresses_data();
    void recognisesNumericAddresses();
    void recognisesWildcards_data();
    void recognisesWildcards();
    void formatsHostPort_data();
    void formatsHostPort();
    void parsesMulticastGroups_data();
    void parsesMulticastGroups();
};

void TestAddress::parsesHostPort_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("defaultHost");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");

    const QString loopback = QStringLiteral("127.0.0.1");
    QTest::newRow("ipv4 and port") << QStringLiteral("127.0.0.1:8080") << loopback << loopback << 8080;
    QTest::newRow("host name") << QStringLiteral("localhost:80") << loopback << QStringLiteral("localhost")
                               << 80;
    QTest::newRow("dotted host name")
        << QStringLiteral("example.com:443") << loopback << QStringLiteral("example.com") << 443;
    QTest::newRow("underscore and dash")
        << QStringLiteral("my_host-1.lan:22") << loopback << QStringLiteral("my_host-1.lan") << 22;
    QTest::newRow("international name")
        << QString::fromUtf8("bücher.example:80") << loopback << QString::fromUtf8("bücher.example") << 80;
    QTest::newRow("wildcard ipv4") << QStringLiteral("0.0.0.0:1") << loopback << QStringLiteral("0.0.0.0")
                                   << 1;
    QTest::newRow("bracketed ipv6") << QStringLiteral("[::1]:8080") << loopback << QStringLiteral("::1")
                                    << 8080;
    QTest::newRow("bracketed wildcard ipv6")
        << QStringLiteral("[::]:0") << loopback << QStringLiteral("::") << 0;
    QTest::newRow("ipv6 with zone") << QStringLiteral("[fe80::1%eth0]:9000") << loopback
                                    << QStringLiteral("fe80::1%eth0") << 9000;
    QTest::newRow("ipv4-mapped ipv6")
        << QStringLiteral("[::ffff:192.0.2.1]:7") << loopback << QStringLiteral("::ffff:192.0.2.1") << 7;
    QTest::newRow("colon and port") << QStringLiteral(":9000") << loopback << loopback << 9000;
    QTest::newRow("port alone") << QStringLiteral("9000") << loopback << loopback << 9000;
    QTest::newRow("port alone, other default")
        << QStringLiteral("9000") << QStringLiteral("::1") << QStringLiteral("::1") << 9000;
    QTest::newRow("colon and port, other default")
        << QStringLiteral(":53") << QStringLiteral("0.0.0.0") << QStringLiteral("0.0.0.0") << 53;
    QTest::newRow("port zero") << QStringLiteral("0") << loopback << loopback << 0;
    QTest::newRow("highest port") << QStringLiteral("host:65535") << loopback << QStringLiteral("host")
                                  << 65535;
    QTest::newRow("leading zeros in port")
        << QStringLiteral("host:00080") << loopback << QStringLiteral("host") << 80;
    QTest::newRow("surrounding blanks")
        << QStringLiteral("  host:80 \t") << loopback << QStringLiteral("host") << 80;
}

void TestAddress::parsesHostPort() {
    QFETCH(QString, text);
    QFETCH(QString, defaultHost);
    QFETCH(QString, host);
    QFETCH(int, port);

    const HostPortResult result = parseHostPort(text, defaultHost);
    QVERIFY2(result.ok(),
             qPrintable(QStringLiteral("at %1: %2").arg(result.errorPosition).arg(result.error)));
    QCOMPARE(result.value.host, host);
    QCOMPARE(int(result.value.port), port);
    QVERIFY(result.error.isEmpty());
}

void TestAddress::rejectsHostPort_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qsizetype>("position");
    QTest::addColumn<QString>("message"); // a fragment the message must contain

    QTest::newRow("port out of range") << QStringLiteral("127.0.0.1:70000") << qsizetype(10)
                                       << QStringLiteral("port 70000 is out of range (0-65535)");
    QTest::newRow("port alone out of range")
        << QStringLiteral("65536") << qsizetype(0) << QStringLiteral("port 65536 is out of range");
    QTest::newRow("enormous port") << QStringLiteral(":99999999999999999999") << qsizetype(1)
                                   << QStringLiteral("port 9999999999… is out of range");
    QTest::newRow("missing port after host") << QStringLiteral("localhost") << qsizetype(9)
                                             << QStringLiteral("missing port: write localhost:PORT");
    QTest::newRow("missing port after colon")
        << QStringLiteral("localhost:") << qsizetype(10) << QStringLiteral("missing port");
    QTest::newRow("empty") << QString() << qsizetype(0) << QStringLiteral("missing port");
    QTest::newRow("only blanks") << QStringLiteral("   ") << qsizetype(3) << QStringLiteral("missing port");
    QTest::newRow("letter in port") << QStringLiteral("host:8o") << qsizetype(6)
                                    << QStringLiteral("must be a number");
    QTest::newRow("negative port") << QStringLiteral("host:-1") << qsizetype(5)
                                   << QStringLiteral("must be a number");
    QTest::newRow("plus sign in port")
        << QStringLiteral("host:+80") << qsizetype(5) << QStringLiteral("must be a number");
    QTest::newRow("space before port")
        << QStringLiteral("host: 80") << qsizetype(5) << QStringLiteral("must be a number");
    QTest::newRow("empty host in brackets")
        << QStringLiteral("[]:80") << qsizetype(1) << QStringLiteral("empty host in brackets");
    QTest::newRow("unclosed bracket")
        << QStringLiteral("[::1:80") << qsizetype(0) << QStringLiteral("'[' is not closed");
    QTest::newRow("closing bracket alone")
        << QStringLiteral("::1]:80") << qsizetype(3) << QStringLiteral("']' without '['");
    QTest::newRow("bracket inside host")
        << QStringLiteral("x[::1]:80") << qsizetype(1) << QStringLiteral("'[' can only start");
    QTest::newRow("brackets without port")
        << QStringLiteral("[::1]") << qsizetype(5) << QStringLiteral("missing port: write [::1]:PORT");
    QTest::newRow("brackets, colon, no port")
        << QStringLiteral("[::1]:") << qsizetype(6) << QStringLiteral("missing port");
    QTest::newRow("brackets without colon")
        << QStringLiteral("[::1]80") << qsizetype(5) << QStringLiteral("expected ':'");
    QTest::newRow("doubled closing bracket")
        << QStringLiteral("[::1]]:80") << qsizetype(5) << QStringLiteral("expected ':'");
    QTest::newRow("letter in bracketed port")
        << QStringLiteral("[::1]:8x") << qsizetype(7) << QStringLiteral("must be a number");
    QTest::newRow("host name in brackets")
        << QStringLiteral("[localhost]:80") << qsizetype(1) << QStringLiteral("not an IPv6 address");
    QTest::newRow("ipv4 in brackets")
        << QStringLiteral("[127.0.0.1]:80") << qsizetype(1) << QStringLiteral("only IPv6 goes in brackets");
    QTest::newRow("bare ipv6 loopback")
        << QStringLiteral("::1") << qsizetype(0) << QStringLiteral("needs brackets: write [::1]:PORT");
    QTest::newRow("bare ipv6 after blanks") << QStringLiteral("  fe80::1") << qsizetype(2)
                                            << QStringLiteral("needs brackets: write [fe80::1]:PORT");
    QTest::newRow("bare ipv6 that cannot end in a port")
        << QStringLiteral("1:2:3:4:5:6:7:8:80") << qsizetype(0)
        << QStringLiteral("write [1:2:3:4:5:6:7:8]:80");
    QTest::newRow("two colons, not ipv6")
        << QStringLiteral("a:b:c") << qsizetype(3) << QStringLiteral("second ':'");
    QTest::newRow("space in host") << QStringLiteral("local host:80") << qsizetype(5)
                                   << QStringLiteral("cannot contain spaces");
    QTest::newRow("slash in host") << QStringLiteral("host/x:80") << qsizetype(4)
                                   << QStringLiteral("'/' cannot appear");
    QTest::newRow("scheme pasted") << QStringLiteral("http://host:80") << qsizetype(11)
                                   << QStringLiteral("second ':'");
    QTest::newRow("ipv4 part above 255")
        << QStringLiteral("127.0.0.256:80") << qsizetype(0) << QStringLiteral("not a valid IPv4 address");
    QTest::newRow("short ipv4") << QStringLiteral("10.1:80") << qsizetype(0)
                                << QStringLiteral("not a valid IPv4 address");
    QTest::newRow("ipv4 with leading zero")
        << QStringLiteral("01.2.3.4:80") << qsizetype(0) << QStringLiteral("not a valid IPv4 address");
}

void TestAddress::rejectsHostPort() {
    QFETCH(QString, text);
    QFETCH(qsizetype, position);
    QFETCH(QString, message);

    const HostPortResult result = parseHostPort(text);
    QVERIFY(!result.ok());
    QCOMPARE(result.errorPosition, position);
    QVERIFY2(result.error.contains(message), qPrintable(result.error));
    QVERIFY(result.errorPosition <= text.size());
}

void TestAddress::parsesPort_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("port"); // -1: an error is expected
    QTest::addColumn<qsizetype>("position");

    QTest::newRow("zero") << QStringLiteral("0") << 0 << qsizetype(-1);
    QTest::newRow("highest") << QStringLiteral("65535") << 65535 << qsizetype(-1);
    QTest::newRow("blanks around") << QStringLiteral(" 80 ") << 80 << qsizetype(-1);
    QTest::newRow("leading zero") << QStringLiteral("08080") << 8080 << qsizetype(-1);
    QTest::newRow("empty") << QString() << -1 << qsizetype(0);
    QTest::newRow("out of range") << QStringLiteral("65536") << -1 << qsizetype(0);
    QTest::newRow("letter") << QStringLiteral("8o") << -1 << qsizetype(1);
    QTest::newRow("negative") << QStringLiteral("-1") << -1 << qsizetype(0);
    QTest::newRow("two numbers") << QStringLiteral("80 80") << -1 << qsizetype(2);
    QTest::newRow("host and port is not a port") << QStringLiteral("host:80") << -1 << qsizetype(0);
}

void TestAddress::parsesPort() {
    QFETCH(QString, text);
    QFETCH(int, port);
    QFETCH(qsizetype, position);

    const HostPortResult result = parsePort(text);
    QCOMPARE(result.errorPosition, position);
    if (port >= 0) {
        QVERIFY(result.ok());
        QCOMPARE(int(result.value.port), port);
    } else {
        QVERIFY(!result.error.isEmpty());
    }
}

void TestAddress::recognisesNumericAddresses_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("numeric");

    QTest::newRow("ipv4 loopback") << QStringLiteral("127.0.0.1") << true;
    QTest::newRow("ipv4 broadcast") << QStringLiteral("255.255.255.255") << true;
    QTest::newRow("ipv6 loopback") << QStringLiteral("::1") << true;
    QTest::newRow("ipv6 any") << QStringLiteral("::") << true;
    QTest::newRow("ipv6 full") << QStringLiteral("2001:db8:0:0:0:0:0:1") << true;
    QTest::newRow("ipv6 gap at end") << QStringLiteral("1:2:3:4:5:6:7::") << true;
    QTest::newRow("ipv6 gap in middle") << QStringLiteral("2001:DB8::8:800:200C:417A") << true;
    QTest::newRow("ipv6 zone") << QStringLiteral("fe80::1%eth0") << true;
    QTest::newRow("ipv6 embedded ipv4") << QStringLiteral("::ffff:1.2.3.4") << true;
    QTest::newRow("host name") << QStringLiteral("localhost") << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("ipv4 too few parts") << QStringLiteral("1.2.3") << false;
    QTest::newRow("ipv4 too many parts") << QStringLiteral("1.2.3.4.5") << false;
    QTest::newRow("ipv4 part too big") << QStringLiteral("256.1.1.1") << false;
    QTest::newRow("ipv4 leading zero") << QStringLiteral("1.02.3.4") << false;
    QTest::newRow("ipv4 with zone") << QStringLiteral("1.2.3.4%eth0") << false;
    QTest::newRow("ipv6 two gaps") << QStringLiteral("1::2::3") << false;
    QTest::newRow("ipv6 nine groups") << QStringLiteral("1:2:3:4:5:6:7:8:9") << false;
    QTest::newRow("ipv6 seven groups no gap") << QStringLiteral("1:2:3:4:5:6:7") << false;
    QTest::newRow("ipv6 eight groups and gap") << QStringLiteral("1:2:3:4:5:6:7:8::") << false;
    QTest::newRow("ipv6 group too long") << QStringLiteral("12345::") << false;
    QTest::newRow("ipv6 leading single colon") << QStringLiteral(":1") << false;
    QTest::newRow("ipv6 trailing single colon") << QStringLiteral("1::2:") << false;
    QTest::newRow("ipv6 empty zone") << QStringLiteral("::1%") << false;
    QTest::newRow("ipv6 embedded ipv4 not last") << QStringLiteral("::1.2.3.4:1") << false;
    QTest::newRow("bracketed") << QStringLiteral("[::1]") << false;
}

void TestAddress::recognisesNumericAddresses() {
    QFETCH(QString, host);
    QFETCH(bool, numeric);

    QCOMPARE(isNumericAddress(host), numeric);
}

void TestAddress::recognisesWildcards_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("wildcard");

    QTest::newRow("ipv4 any") << QStringLiteral("0.0.0.0") << true;
    QTest::newRow("ipv6 any") << QStringLiteral("::") << true;
    QTest::newRow("ipv6 any, long form") << QStringLiteral("0:0:0:0:0:0:0:0") << true;
    QTest::newRow("ipv6 any, ::0") << QStringLiteral("::0") << true;
    QTest::newRow("ipv4 loopback") << QStringLiteral("127.0.0.1") << false;
    QTest::newRow("ipv4 almost any") << QStringLiteral("0.0.0.1") << false;
    QTest::newRow("ipv6 loopback") << QStringLiteral("::1") << false;
    QTest::newRow("host name") << QStringLiteral("localhost") << false;
    QTest::newRow("empty") << QString() << false;
}

void TestAddress::recognisesWildcards() {
    QFETCH(QString, host);
    QFETCH(bool, wildcard);

    QCOMPARE(isWildcardAddress(host), wildcard);
}

void TestAddress::formatsHostPort_data() {
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("expected");

    QTest::newRow("ipv4") << QStringLiteral("127.0.0.1") << 80 << QStringLiteral("127.0.0.1:80");
    QTest::newRow("host name, port zero")
        << QStringLiteral("localhost") << 0 << QStringLiteral("localhost:0");
    QTest::newRow("ipv6 gets brackets") << QStringLiteral("::1") << 8080 << QStringLiteral("[::1]:8080");
    QTest::newRow("ipv6 zone") << QStringLiteral("fe80::1%eth0") << 65535
                               << QStringLiteral("[fe80::1%eth0]:65535");
    // Found by fuzz_address: a zone id that looks like a QString::arg() placeholder.
    QTest::newRow("zone id like a placeholder")
        << QStringLiteral("fe80::1%1") << 80 << QStringLiteral("[fe80::1%1]:80");
}

void TestAddress::formatsHostPort() {
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, expected);

    const QString text = formatHostPort(host, quint16(port));
    QCOMPARE(text, expected);
    // What we print, users paste back.
    const HostPortResult back = parseHostPort(text);
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.value.host, host);
    QCOMPARE(int(back.value.port), port);
}

void TestAddress::parsesMulticastGroups_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("group");     // empty: rejected
    QTest::addColumn<QString>("interface"); // or the expected error
    QTest::newRow("ipv4 group") << "239.1.2.3"
                                << "239.1.2.3"
                                << "";
    QTest::newRow("ipv4 lowest") << "224.0.0.0"
                                 << "224.0.0.0"
                                 << "";
    QTest::newRow("ipv4 highest") << "239.255.255.255"
                                  << "239.255.255.255"
                                  << "";
    QTest::newRow("ipv4 with interface") << " 239.1.2.3%eth0 "
                                         << "239.1.2.3"
                                         << "eth0";
    QTest::newRow("ipv6 group") << "ff15::1"
                                << "ff15::1"
                                << "";
    QTest::newRow("ipv6 upper case with zone") << "FF02::1%lo"
                                               << "FF02::1"
                                               << "lo";
    QTest::newRow("below the range")
        << "223.255.255.255"
        << ""
        << "223.255.255.255 is not a multicast group (224.0.0.0-239.255.255.255 or "
           "ff00::/8)";
    QTest::newRow("above the range") << "240.0.0.1"
                                     << ""
                                     << "240.0.0.1 is not a multicast group";
    QTest::newRow("ipv6 unicast") << "fe80::1"
                                  << ""
                                  << "fe80::1 is not a multicast group";
    QTest::newRow("host name") << "group.example"
                               << ""
                               << "group.example is not a multicast group";
    QTest::newRow("empty") << ""
                           << ""
                           << "an empty address is not a multicast group";
    QTest::newRow("only an interface") << "%eth0"
                                       << ""
                                       << "an empty address is not a multicast group";
    QTest::newRow("percent without interface") << "239.1.2.3%"
                                               << ""
                                               << "an interface name must follow '%'";
}

void TestAddress::parsesMulticastGroups() {
    QFETCH(QString, text);
    QFETCH(QString, group);
    QFETCH(QString, interface);
    MulticastGroup parsed;
    QString error;
    const bool ok = parseMulticastGroup(text, &parsed, &error);
    QCOMPARE(ok, !group.isEmpty());
    if (ok) {
        QCOMPARE(parsed.group, group);
        QCOMPARE(parsed.interfaceName, interface);
        QVERIFY(error.isEmpty());
    } else {
        QVERIFY2(error.startsWith(interface), qPrintable(error));
    }
    // The group part alone is a multicast address exactly when the parser did not reject it as one.
    QCOMPARE(isMulticastAddress(text.trimmed().section(u'%', 0, 0)),
             !error.contains(QStringLiteral("not a multicast group")));
}

SOCKBENCH_TEST_MAIN(TestAddress)
#include "tst_address.moc"
