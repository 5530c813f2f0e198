package org.anytls4j.transport.anytls.conformance;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Reads a golden capture ({@code src/test/resources/vectors/*.json}, format: the vectors README). */
final class GoldenCapture {
    private final Config json;

    private GoldenCapture(Config json) {
        this.json = json;
    }

    static GoldenCapture load(String name) {
        Config c = ConfigFactory.parseResources(GoldenCapture.class.getClassLoader(), "vectors/" + name + ".json");
        if (c.isEmpty()) {
            throw new IllegalArgumentException("no capture vectors/" + name + ".json");
        }
        return new GoldenCapture(c);
    }

    Config json() {
        return json;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list(String path) {
        return (List<Map<String, Object>>) (List<?>) json.getList(path).unwrapped();
    }

    static int integer(Map<String, Object> item, String key) {
        return ((Number) item.get(key)).intValue();
    }

    static byte[] hex(Object s) {
        return HexFormat.of().parseHex((String) s);
    }
}
