package io.probesim.sim.explore

import spock.lang.Specification

class ReplayTokenSpec extends Specification {

    def "a token round-trips config and choices, negative and extreme values included"() {
        given:
        def token = new ReplayToken(config, choices as int[])

        when:
        def text = token.encode()
        def back = ReplayToken.decode(text)

        then:
        text.startsWith('ps1.')
        text ==~ /ps1\.[A-Za-z0-9_-]+/   // URL-safe, no padding
        back.config() == config
        back.choices() as List == choices
        back == token

        where:
        config                          | choices
        ''                              | []
        'S1.groovy;pct;d=3'             | [0, 1, 0, 2, 49_999]
        'ünïcode ✓'                     | [-1, -2, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0]
        'x' * 300                       | (0..<500).collect { it * 7919 - 1_000_000 }
    }

    def "small choices encode compactly (one byte each)"() {
        expect: // 4 (prefix) + base64 of: 1 version + 1 length + 0 config + 1 count + 100 choices + 4 CRC
        new ReplayToken('', new int[100]).encode().length() == 4 + Math.ceil(107 * 4 / 3) as int
    }

    static String spoil(String good, String how) {
        switch (how) {
            case 'flip':
                // one payload character replaced by another valid base64url character
                int i = 8
                return good.substring(0, i) + (good[i] == 'A' ? 'B' : 'A') + good.substring(i + 1)
            case 'cut': return good.substring(0, 6)
            case 'foreign': return 'hello world'
            case 'charset': return 'ps1.***'
            case 'version': return 'ps2.' + good.substring(4)
        }
        throw new IllegalArgumentException(how)
    }

    def "a damaged token is refused with a clear message"() {
        given:
        def good = new ReplayToken('cfg', [1, 2, 3] as int[]).encode()

        when:
        ReplayToken.decode(spoil(good, how))

        then:
        def e = thrown(IllegalArgumentException)
        e.message.contains(message)

        where:
        how       | message
        'flip'    | 'replay token damaged (checksum mismatch)'
        'cut'     | 'replay token damaged'
        'foreign' | 'not a probesim replay token'
        'charset' | 'not a probesim replay token'
        'version' | 'unsupported replay token version 2'
    }

    def "equality compares choice contents"() {
        expect:
        new ReplayToken('a', [1, 2] as int[]) == new ReplayToken('a', [1, 2] as int[])
        new ReplayToken('a', [1, 2] as int[]) != new ReplayToken('a', [1, 3] as int[])
    }
}
