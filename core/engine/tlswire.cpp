#include "engine/tlstransform.h"

#include "tls/openssl.h"

#include <algorithm>
#include <cstring>

// The ciphertext's way into OpenSSL: a memory BIO of our own that reads straight from the bytes
// the stream received, keeping only the tail OpenSSL did not take (part of one record).

namespace sockbench {

BIO_METHOD *TlsTransform::wireInMethod() {
    static BIO_METHOD *const method = [] {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sockbench wire in");
        BIO_meth_set_create(m, [](BIO *bio) {
            BIO_set_init(bio, 1);
            return 1;
        });
        BIO_meth_set_read_ex(m, [](BIO *bio, char *out, size_t want, size_t *got) {
            auto *wire = static_cast<WireIn *>(BIO_get_data(bio));
            BIO_clear_retry_flags(bio);
            *got = 0;
            if (!wire || wire->pending() == 0) {
                BIO_set_retry_read(bio); // not the end: more comes with the next read
                return 0;
            }
            // The carried tail first, then the new bytes where they lie.
            const qsizetype carried = wire->carry.size() - wire->carryUsed;
            if (carried > 0) {
                const size_t n = std::min(want, size_t(carried));
                std::memcpy(out, wire->carry.constData() + wire->carryUsed, n);
                wire->carryUsed += qsizetype(n);
                *got = n;
                out += n;
                want -= n;
            }
            const size_t n = std::min(want, size_t(wire->size));
            if (n > 0) {
                std::memcpy(out, wire->data, n);
                wire->data += n;
                wire->size -= qsizetype(n);
                *got += n;
            }
            return 1;
        });
        BIO_meth_set_ctrl(m, [](BIO *bio, int command, long, void *) -> long {
            const auto *wire = static_cast<const WireIn *>(BIO_get_data(bio));
            switch (command) {
            case BIO_CTRL_FLUSH:
                return 1;
            case BIO_CTRL_PENDING:
                return wire ? long(wire->pending()) : 0;
            default:
                return 0;
            }
        });
        return m;
    }();
    return method;
}

void TlsTransform::beginWire(const char *data, qsizetype size) {
    m_wire.data = data;
    m_wire.size = size;
}

void TlsTransform::endWire() {
    // Only what OpenSSL left is kept: normally the new bytes' tail (part of one record), so a
    // bulk transfer copies at most a record per read, not every read's bytes.
    const qsizetype carried = m_wire.carry.size() - m_wire.carryUsed;
    if (carried == 0) {
        m_wire.carry.clear();
        m_wire.carryUsed = 0;
        if (m_wire.size > 0)
            m_wire.carry = QByteArray(m_wire.data, m_wire.size);
    } else {
        m_wire.carry.remove(0, m_wire.carryUsed);
        m_wire.carryUsed = 0;
        m_wire.carry.append(m_wire.data, m_wire.size);
    }
    m_wire.data = nullptr;
    m_wire.size = 0;
}

} // namespace sockbench
