#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

// Files of the source tree's tests/ folder, by their path under it ("data/tcp-v4.pcapng").
// Not QFINDTESTDATA: it starts from __FILE__, which ccache makes relative to the build tree
// (CCACHE_BASEDIR, so that another clone hits the same cache), and then looks in the wrong place.
inline QString testFile(const QString &pathUnderTests) {
    return QStringLiteral(SOCKBENCH_TESTS_DIR "/") + pathUnderTests;
}

/// A fixture of tests/data/ ("tcp-v4.pcapng").
inline QString dataFile(const QString &name) {
    return testFile(QStringLiteral("data/") + name);
}

/// The whole contents of a file, or empty when it cannot be read.
inline QByteArray readFileBytes(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}
