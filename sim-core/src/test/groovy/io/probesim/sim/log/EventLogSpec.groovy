package io.probesim.sim.log

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.security.MessageDigest
import spock.lang.Specification
import spock.lang.TempDir

class EventLogSpec extends Specification {

    @TempDir
    Path dir

    static String sha256(String text) {
        MessageDigest.getInstance('SHA-256').digest(text.getBytes(StandardCharsets.UTF_8)).encodeHex().toString()
    }

    static EventLog sample() {
        def log = new EventLog()
        log.append(0, 0, 'init', 'boot')
        log.append(1_500, 1, 'tracer', 'register', 'addr', '0xffffffff81000000', 'name', 'do_fork')
        log.append(2_000, 0, 'wörker', 'hit', 'n', 3)
        log
    }

    def "sha256 is SHA-256 over the documented canonical lines, built independently here"() {
        given:
        def canonical = '0|0|0|init|boot|\n' +
                '1|1500|1|tracer|register|addr=0xffffffff81000000;name=do_fork\n' +
                '2|2000|0|wörker|hit|n=3\n'

        expect:
        sample().sha256() == sha256(canonical)
        new EventLog().sha256() == sha256('')
    }

    def "sha256 can be taken midway without disturbing later appends"() {
        given:
        def log = new EventLog()
        log.append(5, 2, 't', 'a', 'k', 'v')
        def early = log.sha256()
        log.append(6, 2, 't', 'b')

        expect:
        early == sha256('0|5|2|t|a|k=v\n')
        log.sha256() == sha256('0|5|2|t|a|k=v\n1|6|2|t|b|\n')
        log.sha256() == log.sha256()
    }

    def "separators and newlines inside text are escaped, so every event stays one parseable line"() {
        given:
        def log = new EventLog()
        log.append(1, 0, 'a|b', 'k;ind', 'msg', 'line1\nline2', 'x=y', 'back\\slash')

        expect:
        log.sha256() == sha256('0|1|0|a\\pb|k\\sind|msg=line1\\nline2;x\\ey=back\\\\slash\n')
    }

    def "write then read gives the same events and the same hash"() {
        given:
        def log = sample()
        log.append(3_000, 1, 'odd', 'weird', 'v', 'a|b;c=d\ne\\f')
        def file = dir.resolve('run.log')

        when:
        log.write(file)
        def back = EventLog.read(file)

        then:
        back.events() == log.events()
        back.sha256() == log.sha256()
        def lines = Files.readAllLines(file)
        lines.first() == 'probesim-log v1'
        lines.last() == 'sha256 ' + log.sha256()
        lines.size() == log.size() + 2
        // atomic write leaves no temp file behind
        Files.list(dir).withCloseable { it.count() } == 1
    }

    def "a flipped byte is refused as a checksum mismatch"() {
        given:
        def file = dir.resolve('run.log')
        sample().write(file)
        byte[] bytes = Files.readAllBytes(file)
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf('do_fork')
        bytes[at] = (byte) 'D'
        Files.write(file, bytes)

        when:
        EventLog.read(file)

        then:
        def e = thrown(LogFormatException)
        e.message == 'event log damaged: checksum mismatch'
    }

    def "a log of another version is refused by version"() {
        given:
        def file = dir.resolve('run.log')
        sample().write(file)
        Files.writeString(file, Files.readString(file).replaceFirst('probesim-log v1', 'probesim-log v7'))

        when:
        EventLog.read(file)

        then:
        def e = thrown(LogFormatException)
        e.message == 'unsupported log version 7'
    }

    def "a foreign file and a truncated log are refused"() {
        given:
        def foreign = dir.resolve('notes.txt')
        Files.writeString(foreign, 'hello\nworld\n')
        def truncated = dir.resolve('cut.log')
        sample().write(truncated)
        def text = Files.readString(truncated)
        Files.writeString(truncated, text.substring(0, text.indexOf('sha256')))

        when:
        EventLog.read(foreign)

        then:
        def e = thrown(LogFormatException)
        e.message == 'not a probesim event log'

        when:
        EventLog.read(truncated)

        then:
        def t = thrown(LogFormatException)
        t.message.startsWith('event log damaged')
    }

    def "listeners see each event after it is appended and may append themselves"() {
        given:
        def log = new EventLog()
        def seen = []
        log.addListener({ Event e ->
            seen << "${e.seq()}:${e.kind()}:${log.size()}".toString()
            if (e.kind() == 'bad') {
                log.append(e.time(), e.cpu(), '', 'violation')
            }
        } as EventListener)

        when:
        log.append(1, 0, '', 'ok')
        log.append(2, 0, '', 'bad')

        then:
        seen == ['0:ok:1', '1:bad:2', '2:violation:3']
        log.events()*.kind() == ['ok', 'bad', 'violation']
    }

    def "field() finds a value by key"() {
        expect:
        sample().events()[1].field('name') == 'do_fork'
        sample().events()[1].field('missing') == null
    }

    def "CSV follows RFC 4180: CRLF, quoting of comma, quote and newline, doubled quotes"() {
        given:
        def log = new EventLog()
        log.append(10, 0, 'plain', 'hit', 'n', 1)
        log.append(20, 1, 'a,b', 'say', 'msg', 'he said "hi"')
        log.append(30, 1, '', 'multi', 'text', 'l1\nl2')
        def out = new StringWriter()

        when:
        log.writeCsv(out)

        then:
        out.toString() ==
                'seq,time_ps,cpu,task,kind,fields\r\n' +
                '0,10,0,plain,hit,n=1\r\n' +
                '1,20,1,"a,b",say,"msg=he said ""hi"""\r\n' +
                '2,30,1,,multi,"text=l1\nl2"\r\n'
    }
}
