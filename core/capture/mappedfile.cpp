// MappedFile: a capture file mapped read-only into memory, and the same with bytes the reader
// made placed after it.

#include "capture/capturefile.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sockbench {

std::shared_ptr<MappedFile> MappedFile::open(const QString &path, QString *error) {
    const QString name = QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName();
    auto fail = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(name, why);
        return std::shared_ptr<MappedFile>();
    };
    const QByteArray local = QFile::encodeName(path);
    const int fd = ::open(local.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return fail(QString::fromLocal8Bit(std::strerror(e)));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return fail(QStringLiteral("is a folder, not a capture file"));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail(QStringLiteral("is not a regular file"));
    }
    if (st.st_size == 0) {
        ::close(fd);
        return fail(QStringLiteral("the file is empty"));
    }
    void *map = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    if (map == MAP_FAILED) {
        ::close(fd);
        return fail(QString::fromLocal8Bit(std::strerror(e)));
    }
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_data = static_cast<const char *>(map);
    file->m_size = quint64(st.st_size);
    file->m_mapped = true;
    file->m_fd = fd;
    return file;
}

std::shared_ptr<MappedFile> MappedFile::fromBytes(const QByteArray &bytes) {
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_copy = bytes;
    file->m_data = file->m_copy.constData();
    file->m_size = quint64(file->m_copy.size());
    return file;
}

MappedFile::~MappedFile() {
    if (m_mapped)
        ::munmap(const_cast<char *>(m_data), size_t(m_size));
    if (m_fd >= 0)
        ::close(m_fd);
}

quint64 MappedFile::tailOffset() const {
    if (!m_mapped)
        return m_size;
    const quint64 page = quint64(::sysconf(_SC_PAGESIZE));
    return (m_size + page - 1) / page * page;
}

std::shared_ptr<MappedFile> MappedFile::withTail(const std::vector<QByteArray> &tail, QString *error) const {
    quint64 tailBytes = 0;
    for (const QByteArray &piece : tail)
        tailBytes += quint64(piece.size());
    std::shared_ptr<MappedFile> file(new MappedFile);
    if (!m_mapped) {
        file->m_copy.reserve(qsizetype(m_size + tailBytes));
        file->m_copy.append(m_data, qsizetype(m_size));
        for (const QByteArray &piece : tail)
            file->m_copy.append(piece);
        file->m_data = file->m_copy.constData();
        file->m_size = quint64(file->m_copy.size());
        return file;
    }
    if (m_fd < 0) {
        *error = QStringLiteral("the file is no longer open");
        return nullptr;
    }
    // Address space for the whole range (reserved, not committed), the file mapped over its start
    // (the pages behind the mapping that exists already, not a copy), then memory for the tail
    // from the page after the file's last one.
    const quint64 start = tailOffset();
    const quint64 total = start + tailBytes;
    const int anonymous = MAP_PRIVATE | MAP_ANONYMOUS;
    void *region = ::mmap(nullptr, size_t(total), PROT_NONE, anonymous | MAP_NORESERVE, -1, 0);
    char *base = static_cast<char *>(region);
    if (region == MAP_FAILED ||
        ::mmap(base, size_t(m_size), PROT_READ, MAP_PRIVATE | MAP_FIXED, m_fd, 0) == MAP_FAILED ||
        (tailBytes > 0 && ::mmap(base + start, size_t(tailBytes), PROT_READ | PROT_WRITE,
                                 anonymous | MAP_FIXED, -1, 0) == MAP_FAILED)) {
        const int e = errno;
        if (region != MAP_FAILED)
            ::munmap(region, size_t(total));
        *error = QString::fromLocal8Bit(std::strerror(e));
        return nullptr;
    }
    char *at = static_cast<char *>(region) + start;
    for (const QByteArray &piece : tail) {
        std::memcpy(at, piece.constData(), size_t(piece.size()));
        at += piece.size();
    }
    ::mprotect(static_cast<char *>(region) + start, size_t(tailBytes), PROT_READ);
    file->m_data = static_cast<const char *>(region);
    file->m_size = total;
    file->m_mapped = true;
    return file;
}

void MappedFile::release(quint64 offset, quint64 length) const {
    // Not in a tail (withTail): its memory has no file to come back from.
    if (!m_mapped || m_fd < 0 || offset >= m_size)
        return;
    length = qMin(length, m_size - offset);
    const quint64 page = quint64(::sysconf(_SC_PAGESIZE));
    // Only whole pages inside the range: a page shared with bytes outside it stays.
    const quint64 first = (offset + page - 1) / page * page;
    const quint64 end = (offset + length) / page * page;
    if (end <= first)
        return;
    ::madvise(const_cast<char *>(m_data) + first, size_t(end - first), MADV_DONTNEED);
}

} // namespace sockbench
