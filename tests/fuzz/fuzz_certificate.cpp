// libFuzzer target: reading certificates the user points a TLS form or --cert/--ca at. OpenSSL
// decodes the DER; what is ours is turning any certificate it accepts (odd names, alternative
// names of every type, times far out of range) into a CertificateInfo: it must never crash,
// and what it reports has the shape the window and the command line rely on.
#include "fuzzcheck.h"
#include "tls/certificate.h"

using namespace sockbench;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    const QByteArray pem(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<QList<CertificateInfo>> certificates = parseCertificates(pem, &error);
    if (!certificates) {
        SOCKBENCH_FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    SOCKBENCH_FUZZ_CHECK(!certificates->isEmpty());
    for (const CertificateInfo &c : *certificates) {
        SOCKBENCH_FUZZ_CHECK(c.sha256.size() == 32);
        SOCKBENCH_FUZZ_CHECK(c.sha1.size() == 20);
        SOCKBENCH_FUZZ_CHECK(formatFingerprint(c.sha256).size() == 32 * 3 - 1);
        SOCKBENCH_FUZZ_CHECK(c.pem.startsWith("-----BEGIN CERTIFICATE-----"));
        (void)c.daysLeft();
    }
    return 0;
}
