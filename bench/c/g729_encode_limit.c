/* The C limit for G.729 encoding on one core: bcg729 encodes the speech read from
 * stdin (8 kHz s16le) for at least two seconds of CPU time; prints how many
 * real-time channels that speed supports: (audio encoded) / (CPU time used). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <bcg729/encoder.h>

static int16_t pcm[8000 * 30];

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    size_t n = fread(pcm, 2, sizeof pcm / 2, stdin);
    size_t frames = n / 80;
    if (frames == 0) return 2;
    bcg729EncoderChannelContextStruct *enc = initBcg729EncoderChannel(0);
    uint8_t bits[10], len;
    double start = cpu_seconds(), used = 0;
    unsigned long encoded = 0;
    while (used < 2.0) {
        for (size_t f = 0; f < frames; f++) bcg729Encoder(enc, pcm + f * 80, bits, &len);
        encoded += frames;
        used = cpu_seconds() - start;
    }
    /* Each frame is 10 ms of audio. */
    printf("%.1f\n", encoded * 0.010 / used);
    closeBcg729EncoderChannel(enc);
    return 0;
}
