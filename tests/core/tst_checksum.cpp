#include "protocol/checksum.h"
#include "testmain.h"

#include <QTest>

using namespace sockbench;

Q_DECLARE_METATYPE(sockbench::ChecksumKind)
Q_DECLARE_METATYPE(sockbench::ChecksumOrder)

namespace {

constexpr QByteArrayView CheckInput = "123456789";

} // namespace

class TestChecksum final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void catalogueCheckValues_data();
    void catalogueCheckValues();
    void emptyInput_data();
    void emptyInput();
    void byteOrder_data();
    void byteOrder();
    void singleByteIgnoresOrder();
    void namesRoundTrip();
    void parseIsCaseInsensitive();
    void badNames_data();
    void badNames();
};

void TestChecksum::catalogueCheckValues_data() {
    QTest::addColumn<ChecksumKind>("kind");
    QTest::addColumn<quint32>("check");
    QTest::addColumn<int>("width");
    QTest::newRow("crc16-modbus") << ChecksumKind::Crc16Modbus << quint32(0x4B37) << 2;
    QTest::newRow("crc16-ccitt-false") << ChecksumKind::Crc16CcittFalse << quint32(0x29B1) << 2;
    QTest::newRow("crc16-xmodem") << ChecksumKind::Crc16Xmodem << quint32(0x31C3) << 2;
    QTest::newRow("crc32") << ChecksumKind::Crc32 << quint32(0xCBF43926) << 4;
    QTest::newRow("crc32c") << ChecksumKind::Crc32c << quint32(0xE3069283) << 4;
    QTest::newRow("sum8") << ChecksumKind::Sum8 << quint32(0xDD) << 1;
    QTest::newRow("xor8") << ChecksumKind::Xor8 << quint32(0x31) << 1;
    QTest::newRow("lrc") << ChecksumKind::Lrc << quint32(0x23) << 1;
}

void TestChecksum::catalogueCheckValues() {
    QFETCH(ChecksumKind, kind);
    QFETCH(quint32, check);
    QFETCH(int, width);
    QCOMPARE(checksumValue(kind, CheckInput), check);
    QCOMPARE(checksumWidth(kind), width);
    QCOMPARE(checksumBytes({kind, ChecksumOrder::Natural}, CheckInput).size(), width);
}

void TestChecksum::emptyInput_data() {
    QTest::addColumn<ChecksumKind>("kind");
    QTest::addColumn<quint32>("value");
    // With no data a CRC is its init value run through xorout; the sums are zero.
    QTest::newRow("crc16-modbus") << ChecksumKind::Crc16Modbus << quint32(0xFFFF);
    QTest::newRow("crc16-ccitt-false") << ChecksumKind::Crc16CcittFalse << quint32(0xFFFF);
    QTest::newRow("crc16-xmodem") << ChecksumKind::Crc16Xmodem << quint32(0);
    QTest::newRow("crc32") << ChecksumKind::Crc32 << quint32(0);
    QTest::newRow("crc32c") << ChecksumKind::Crc32c << quint32(0);
    QTest::newRow("sum8") << ChecksumKind::Sum8 << quint32(0);
    QTest::newRow("xor8") << ChecksumKind::Xor8 << quint32(0);
    QTest::newRow("lrc") << ChecksumKind::Lrc << quint32(0);
}

void TestChecksum::emptyInput() {
    QFETCH(ChecksumKind, kind);
    QFETCH(quint32, value);
    QCOMPARE(checksumValue(kind, {}), value);
    QCOMPARE(checksumBytes({kind, ChecksumOrder::Natural}, {}).size(), checksumWidth(kind));
}

void TestChecksum::byteOrder_data() {
    QTest::addColumn<ChecksumKind>("kind");
    QTest::addColumn<ChecksumOrder>("order");
    QTest::addColumn<QByteArray>("bytes");
    // Modbus RTU appends its CRC low byte first; every other wide checksum goes high byte first.
    QTest::newRow("modbus natural") << ChecksumKind::Crc16Modbus << ChecksumOrder::Natural
                                    << QByteArray::fromHex("374b");
    QTest::newRow("modbus le") << ChecksumKind::Crc16Modbus << ChecksumOrder::Little
                               << QByteArray::fromHex("374b");
    QTest::newRow("modbus be") << ChecksumKind::Crc16Modbus << ChecksumOrder::Big
                               << QByteArray::fromHex("4b37");
    QTest::newRow("xmodem natural") << ChecksumKind::Crc16Xmodem << ChecksumOrder::Natural
                                    << QByteArray::fromHex("31c3");
    QTest::newRow("xmodem le") << ChecksumKind::Crc16Xmodem << ChecksumOrder::Little
                               << QByteArray::fromHex("c331");
    QTest::newRow("ccitt be") << ChecksumKind::Crc16CcittFalse << ChecksumOrder::Big
                              << QByteArray::fromHex("29b1");
    QTest::newRow("crc32 natural") << ChecksumKind::Crc32 << ChecksumOrder::Natural
                                   << QByteArray::fromHex("cbf43926");
    QTest::newRow("crc32 le") << ChecksumKind::Crc32 << ChecksumOrder::Little
                              << QByteArray::fromHex("2639f4cb");
    QTest::newRow("crc32 be") << ChecksumKind::Crc32 << ChecksumOrder::Big << QByteArray::fromHex("cbf43926");
    QTest::newRow("crc32c natural") << ChecksumKind::Crc32c << ChecksumOrder::Natural
                                    << QByteArray::fromHex("e3069283");
    QTest::newRow("crc32c le") << ChecksumKind::Crc32c << ChecksumOrder::Little
                               << QByteArray::fromHex("839206e3");
    QTest::newRow("sum8 le") << ChecksumKind::Sum8 << ChecksumOrder::Little << QByteArray::fromHex("dd");
    QTest::newRow("lrc be") << ChecksumKind::Lrc << ChecksumOrder::Big << QByteArray::fromHex("23");
}

void TestChecksum::byteOrder() {
    QFETCH(ChecksumKind, kind);
    QFETCH(ChecksumOrder, order);
    QFETCH(QByteArray, bytes);
    QCOMPARE(checksumBytes({kind, order}, CheckInput), bytes);
}

void TestChecksum::singleByteIgnoresOrder() {
    for (const char *text : {"sum8:le", "xor8:BE", "LRC:le"}) {
        const auto spec = parseChecksumSpec(QString::fromLatin1(text));
        QVERIFY2(spec, text);
        QCOMPARE(spec->order, ChecksumOrder::Natural);
        QCOMPARE(toString(*spec), QString::fromLatin1(text).section(u':', 0, 0).toLower());
    }
}

void TestChecksum::namesRoundTrip() {
    const QStringList names = checksumNames();
    QCOMPARE(names.size(), 8);
    for (qsizetype i = 0; i < names.size(); ++i) {
        const auto kind = ChecksumKind(i);
        for (const auto order : {ChecksumOrder::Natural, ChecksumOrder::Little, ChecksumOrder::Big}) {
            const ChecksumSpec spec{kind, checksumWidth(kind) == 1 ? ChecksumOrder::Natural : order};
            const QString text = toString(spec);
            QVERIFY(text.startsWith(names[i]));
            QString error;
            const auto back = parseChecksumSpec(text, &error);
            QVERIFY2(back, qPrintable(error));
            QVERIFY(*back == spec);
            QVERIFY(error.isEmpty());
        }
    }
    QCOMPARE(toString({ChecksumKind::Crc32, ChecksumOrder::Little}), QStringLiteral("crc32:le"));
    QCOMPARE(toString({ChecksumKind::Crc16Modbus, ChecksumOrder::Natural}), QStringLiteral("crc16-modbus"));
}

void TestChecksum::parseIsCaseInsensitive() {
    const auto spec = parseChecksumSpec(u"CRC16-Modbus:BE");
    QVERIFY(spec);
    QCOMPARE(spec->kind, ChecksumKind::Crc16Modbus);
    QCOMPARE(spec->order, ChecksumOrder::Big);
    const auto c = parseChecksumSpec(u"Crc32C");
    QVERIFY(c);
    QCOMPARE(c->kind, ChecksumKind::Crc32c);
    QCOMPARE(c->order, ChecksumOrder::Natural);
}

void TestChecksum::badNames_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("unknown") << QStringLiteral("md5");
    QTest::newRow("prefix") << QStringLiteral("crc16");
    QTest::newRow("bad order") << QStringLiteral("crc32:middle");
    QTest::newRow("empty order") << QStringLiteral("crc32:");
    QTest::newRow("two orders") << QStringLiteral("crc32:le:be");
    QTest::newRow("order only") << QStringLiteral(":le");
}

void TestChecksum::badNames() {
    QFETCH(QString, text);
    QString error;
    QVERIFY(!parseChecksumSpec(text, &error));
    QVERIFY2(error.contains(u'\'' + text + u'\''), qPrintable(error));
    for (const QString &name : checksumNames())
        QVERIFY2(error.contains(name), qPrintable(error));
    QVERIFY(error.endsWith(u'.'));
    QVERIFY(!parseChecksumSpec(text)); // no error pointer: must not crash
}

SOCKBENCH_TEST_MAIN(TestChecksum)
#include "tst_checksum.moc"
