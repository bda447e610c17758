package io.colmeia.dns.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;

class StaticRecordsTest {

    static final Name ORIGIN = Name.fromConstantString("colmeia.internal.");

    static List<Record> parse(String... lines) {
        return StaticRecords.parse(List.of(lines), ORIGIN, 10, n -> n.equals(ORIGIN));
    }

    @Test
    void relativeNamesOptionalTtlAndClass() {
        List<Record> records = parse("broker-1 A 127.0.1.1", "txt.colmeia.internal. 60 IN TXT \"hello world\"",
                "mail MX 10 broker-1");
        assertThat(records.get(0).getName().toString()).isEqualTo("broker-1.colmeia.internal.");
        assertThat(records.get(0).getTTL()).isEqualTo(10);
        assertThat(records.get(1).getTTL()).isEqualTo(60);
        assertThat(((TXTRecord) records.get(1)).getStrings()).containsExactly("hello world");
        assertThat(((MXRecord) records.get(2)).getTarget().toString()).isEqualTo("broker-1.colmeia.internal.");
    }

    @Test
    void rejectsWhatCannotBeServed() {
        assertThatThrownBy(() -> parse("x.example.org. A 1.2.3.4")).hasMessageContaining("outside the zone");
        assertThatThrownBy(() -> parse("@ A 1.2.3.4")).hasMessageContaining("generated");
        assertThatThrownBy(() -> parse("a NS ns.example.org.")).hasMessageContaining("not supported");
        assertThatThrownBy(() -> parse("a CH TXT \"x\"")).hasMessageContaining("class IN");
        assertThatThrownBy(() -> parse("a CNAME b", "a A 1.2.3.4")).hasMessageContaining("CNAME");
        assertThatThrownBy(() -> parse("a A")).hasMessageContaining("missing");
        assertThatThrownBy(() -> parse("$GENERATE 1-100 h$ A 1.2.3.$")).hasMessageContaining("one record");
    }
}
