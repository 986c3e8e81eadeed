// A plain-JVM check of PoseDecoder against a bundle's test_vectors.json (no Android SDK, no org.json):
//   kotlinc PoseDecoder.kt VectorsMain.kt -include-runtime -d vectors.jar && java -jar vectors.jar test_vectors.json
// Prints one line per case and exits 1 when a keypoint is further than the file's tolerance.
package ai.edgepose.example

import java.io.File
import kotlin.system.exitProcess

/** The JSON subset test_vectors.json uses: objects, arrays, numbers, strings, true/false/null. */
class Json(private val text: String) {
    private var i = 0

    fun parse(): Any? { val v = value(); space(); require(i == text.length) { "trailing text at $i" }; return v }

    private fun space() { while (i < text.length && text[i].isWhitespace()) i++ }

    private fun value(): Any? {
        space()
        return when (text[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { i += 4; true }
            'f' -> { i += 5; false }
            'n' -> { i += 4; null }
            else -> num()
        }
    }

    private fun obj(): Map<String, Any?> {
        val m = LinkedHashMap<String, Any?>(); i++; space()
        if (text[i] == '}') { i++; return m }
        while (true) {
            space(); val k = str(); space(); require(text[i] == ':'); i++
            m[k] = value(); space()
            if (text[i] == ',') { i++; continue }
            require(text[i] == '}'); i++; return m
        }
    }

    private fun arr(): List<Any?> {
        val a = ArrayList<Any?>(); i++; space()
        if (text[i] == ']') { i++; return a }
        while (true) {
            a.add(value()); space()
            if (text[i] == ',') { i++; continue }
            require(text[i] == ']'); i++; return a
        }
    }

    private fun str(): String {
        val sb = StringBuilder(); i++
        while (text[i] != '"') {
            if (text[i] == '\\') { i++; sb.append(if (text[i] == 'n') '\n' else text[i]) } else sb.append(text[i])
            i++
        }
        i++; return sb.toString()
    }

    private fun num(): Double {
        val start = i
        while (i < text.length && (text[i].isDigit() || text[i] in "+-.eE")) i++
        return text.substring(start, i).toDouble()
    }
}

@Suppress("UNCHECKED_CAST")
fun main(args: Array<String>) {
    val v = Json(File(args[0]).readText()).parse() as Map<String, Any?>
    val scale = v["scale"] as Double; val zero = (v["zero_point"] as Double).toInt(); val tol = v["tolerance_px"] as Double
    val decoder = PoseDecoder(v["sigma"] as Double, v["stride"] as Double, (v["codec"] as String?) ?: "gaussian")
    var worst = 0.0
    for ((n, case) in (v["cases"] as List<Map<String, Any?>>).withIndex()) {
        val shape = (case["shape_hwk"] as List<Double>).map { it.toInt() }
        val q = case["int8_hwk_row_major"] as List<Double>
        val hm = FloatArray(q.size) { j -> ((q[j].toInt() - zero) * scale).toFloat() }
        val got = decoder.decode(hm, shape[0], shape[1], shape[2])
        val want = case["expected_keypoints_xy"] as List<List<Double>>
        var err = 0.0
        for (j in got.indices) {
            err = maxOf(err, Math.abs(want[j][0] - got[j].x), Math.abs(want[j][1] - got[j].y))
        }
        worst = maxOf(worst, err)
        println("case $n: ${got.size} keypoints, max error ${"%.6f".format(err)} px (tolerance $tol)")
    }
    println(if (worst <= tol) "PASS: Kotlin decode == Python decode" else "FAIL: max error $worst px > $tol")
    if (worst > tol) exitProcess(1)
}
