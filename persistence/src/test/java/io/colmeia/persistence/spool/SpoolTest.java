package io.colmeia.persistence.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    private static final long MAX = 1 << 20;

    @TempDir
    Path dir;

    private static List<byte[]> records(int from, int to) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(("record-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> strings(List<byte[]> records) {
        List<String> out = new ArrayList<>();
        for (byte[] r : records) {
            out.add(new String(r, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> names(int from, int to) {
        return strings(records(from, to));
    }

    @Test
    void recordsComeBackInTheOrderAppended() throws IOException {
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(spool.isEmpty()).isTrue();
            spool.append(records(0, 3));
            spool.append(records(3, 5));

            Spool.Chunk first = spool.peek(4);
            assertThat(strings(first.records())).isEqualTo(names(0, 4));
            spool.release(first);
            assertThat(spool.records()).isEqualTo(1);
            assertThat(strings(spool.peek(10).records())).isEqualTo(names(4, 5));
        }
    }

    @Test
    void survivesReopenAndReplaysFromTheStart() throws IOException {
        try (Spool spool = Spool.open(dir, MAX)) {
            spool.append(records(0, 10));
            spool.release(spool.peek(4));
        }
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(spool.records()).isEqualTo(10);
            assertThat(strings(spool.peek(100).records())).isEqualTo(names(0, 10));
        }
    }

    @Test
    void drainingTruncatesTheFileToItsHeader() throws IOException {
        try (Spool spool = Spool.open(dir, MAX)) {
            spool.append(records(0, 100));
            assertThat(spool.bytes()).isGreaterThan(0);
            spool.release(spool.peek(100));
            assertThat(spool.isEmpty()).isTrue();
            assertThat(spool.bytes()).isZero();
            assertThat(Files.size(spool.file())).isEqualTo(Spool.HEADER);
        }
    }

    @Test
    void tornTailIsTruncatedOnOpen() throws IOException {
        Path file;
        long goodEnd;
        try (Spool spool = Spool.open(dir, MAX)) {
            spool.append(records(0, 5));
            file = spool.file();
            goodEnd = Files.size(file);
            spool.append(records(5, 6));
        }
        // A crash mid-append: only part of the last frame reached the disk.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(goodEnd + 6);
        }
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(Files.size(file)).isEqualTo(goodEnd);
            assertThat(strings(spool.peek(100).records())).isEqualTo(names(0, 5));
            spool.append(records(5, 7));
            assertThat(strings(spool.peek(100).records())).isEqualTo(names(0, 7));
        }
    }

    @Test
    void corruptRecordEndsTheValidPart() throws IOException {
        Path file;
        long secondFrame;
        try (Spool spool = Spool.open(dir, MAX)) {
            spool.append(records(0, 1));
            file = spool.file();
            secondFrame = Files.size(file);
            spool.append(records(1, 4));
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(secondFrame + Spool.FRAME_OVERHEAD + 2);
            raf.write('X');
        }
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(strings(spool.peek(100).records())).isEqualTo(names(0, 1));
            assertThat(Files.size(file)).isEqualTo(secondFrame);
        }
    }

    @Test
    void absurdLengthIsTreatedAsCorruption() throws IOException {
        Path file;
        try (Spool spool = Spool.open(dir, MAX)) {
            spool.append(records(0, 2));
            file = spool.file();
        }
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(size);
            raf.writeInt(Integer.MAX_VALUE);
            raf.writeInt(0);
            raf.write(new byte[64]);
        }
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(spool.records()).isEqualTo(2);
            assertThat(Files.size(file)).isEqualTo(size);
        }
    }

    @Test
    void fullSpoolRefusesAndKeepsWhatItHas() throws IOException {
        try (Spool spool = Spool.open(dir, 1024)) {
            spool.append(List.of(new byte[900]));
            assertThatThrownBy(() -> spool.append(List.of(new byte[200])))
                    .isInstanceOf(Spool.SpoolFullException.class);
            assertThat(spool.records()).isEqualTo(1);
        }
    }

    @Test
    void oneOwnerPerDirectory() throws IOException {
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(spool.isEmpty()).isTrue();
            assertThatThrownBy(() -> Spool.open(dir, MAX)).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use");
        }
        try (Spool again = Spool.open(dir, MAX)) {
            assertThat(again.isEmpty()).isTrue();
        }
    }

    @Test
    void foreignFileIsRefused() throws IOException {
        Files.writeString(dir.resolve(Spool.FILE_NAME), "not a spool at all");
        assertThatThrownBy(() -> Spool.open(dir, MAX)).hasMessageContaining("not a colmeia spool");
    }

    @Test
    void appendIfNotEmptyOnlyJoinsAWaitingSpool() throws IOException {
        try (Spool spool = Spool.open(dir, MAX)) {
            assertThat(spool.appendIfNotEmpty(records(0, 1))).isFalse();
            assertThat(spool.isEmpty()).isTrue();
            spool.append(records(0, 1));
            assertThat(spool.appendIfNotEmpty(records(1, 2))).isTrue();
            assertThat(strings(spool.peek(10).records())).isEqualTo(names(0, 2));
        }
    }
}
