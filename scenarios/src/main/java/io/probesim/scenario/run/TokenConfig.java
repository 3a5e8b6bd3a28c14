package io.probesim.scenario.run;

import io.probesim.scenario.ProbesConfig;
import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;

import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What a replay token must carry besides the choices: the era and knobs the run used (so
 * `replay` needs no flags) and a fingerprint of the scenario script (so a token is not
 * replayed against an edited scenario by mistake).
 */
record TokenConfig(String era, List<String> knobs, String fingerprint) {

    static TokenConfig of(ScenarioDefinition def) {
        return new TokenConfig(def.probes().era(), def.probes().knobs(), fingerprint(def));
    }

    String encode() {
        return "era=" + era + ";knobs=" + String.join(",", knobs) + ";scenario=" + fingerprint;
    }

    static TokenConfig decode(String config) {
        String era = null, fp = "";
        List<String> knobs = List.of();
        for (String part : config.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) continue;
            String key = part.substring(0, eq), value = part.substring(eq + 1);
            switch (key) {
                case "era" -> era = value;
                case "knobs" -> knobs = value.isEmpty() ? List.of() : List.of(value.split(","));
                case "scenario" -> fp = value;
                default -> { }
            }
        }
        if (era == null) throw new ScenarioException(null, 0, 0, "the replay token carries no era", "use a token printed by this version of probesim");
        return new TokenConfig(era, knobs, fp);
    }

    ScenarioDefinition applyTo(ScenarioDefinition def) {
        return def.withProbes(new ProbesConfig(era, knobs, def.probes().designs()));   // designs are the script's
    }

    void checkScenario(ScenarioDefinition def) {
        String actual = fingerprint(def);
        if (!fingerprint.isEmpty() && !fingerprint.equals(actual)) {
            throw new ScenarioException(def.file() == null ? def.name() : def.file().toString(), 0, 0,
                    "this replay token was made for another version of the scenario (fingerprint " + fingerprint + ", file has " + actual + ")",
                    "replay with the scenario file the token came from");
        }
    }

    private static String fingerprint(ScenarioDefinition def) {
        try {
            byte[] content = def.file() != null && Files.isRegularFile(def.file())
                    ? Files.readAllBytes(def.file()) : def.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (IOException | NoSuchAlgorithmException e) {
            return "";
        }
    }
}
