// Heatmap decode for edgepose bundles on Android: a line-by-line twin of
// edgepose/bundle/decode_spec.py (argmax + DARK sub-pixel refinement, quarter-offset fallback).
// Unit-test it against the bundle's test_vectors.json (PoseDecoderTest.kt on Android; VectorsMain.kt on a
// plain JVM). Kept to the Kotlin 1.3 standard library (Debian's kotlinc) and idiomatic for Kotlin 1.9+.
package ai.edgepose.example

import kotlin.math.abs
import kotlin.math.exp
import kotlin.math.ln
import kotlin.math.max
import kotlin.math.min

data class Keypoint(val x: Float, val y: Float, val score: Float)

class PoseDecoder(private val sigma: Double, private val stride: Double, private val codec: String = "gaussian") {
    init { require(codec in listOf("gaussian", "udp", "msra")) { "no decoder for codec $codec" } }

    /** Heatmap coordinate v on an axis of n cells -> input pixels, by the contract's codec. */
    private fun toInput(v: Double, n: Int): Double = when (codec) {
        "udp" -> v * (n * stride - 1) / (n - 1)
        "msra" -> v * stride
        else -> (v + 0.5) * stride - 0.5
    }

    private val kernel: DoubleArray = run {
        val k = 2 * (3 * sigma).toInt() + 1
        val c = k / 2
        val w = DoubleArray(k) { i -> exp(-((i - c) * (i - c)) / (2 * sigma * sigma)) }
        val s = w.sum()
        DoubleArray(k) { i -> w[i] / s }
    }

    /** heatmaps: dequantized floats, row-major [h][w][K] flattened; returns K keypoints in input pixels. */
    fun decode(heatmaps: FloatArray, h: Int, w: Int, k: Int): List<Keypoint> =
        (0 until k).map { ch -> decodeChannel(Array(h) { y -> DoubleArray(w) { x -> heatmaps[(y * w + x) * k + ch].toDouble() } }) }

    private fun blur(p: Array<DoubleArray>): Array<DoubleArray> {
        val h = p.size; val w = p[0].size; val c = kernel.size / 2
        val rows = Array(h) { y -> DoubleArray(w) { x ->
            var s = 0.0
            for (t in kernel.indices) { val xx = x + t - c; if (xx in 0 until w) s += kernel[t] * p[y][xx] }
            s } }
        return Array(h) { y -> DoubleArray(w) { x ->
            var s = 0.0
            for (t in kernel.indices) { val yy = y + t - c; if (yy in 0 until h) s += kernel[t] * rows[yy][x] }
            s } }
    }

    private fun sign(v: Double) = if (v > 0) 1.0 else if (v < 0) -1.0 else 0.0

    private fun decodeChannel(p: Array<DoubleArray>): Keypoint {
        val h = p.size; val w = p[0].size
        var best = Double.NEGATIVE_INFINITY; var bx = 0; var by = 0
        for (y in 0 until h) for (x in 0 until w) if (p[y][x] > best) { best = p[y][x]; bx = x; by = y }
        val qx = if (bx in 1 until w - 1) 0.25 * sign(p[by][bx + 1] - p[by][bx - 1]) else 0.0
        val qy = if (by in 1 until h - 1) 0.25 * sign(p[by + 1][bx] - p[by - 1][bx]) else 0.0
        val b = blur(p)
        var bmax = Double.NEGATIVE_INFINITY
        for (row in b) for (v in row) if (v > bmax) bmax = v
        val scale = if (bmax > 0) best / bmax else 1.0
        val logs = Array(h) { y -> DoubleArray(w) { x -> ln(max(b[y][x] * scale, 1e-10)) } }
        fun at(dy: Int, dx: Int) = logs[min(max(by + dy, 0), h - 1)][min(max(bx + dx, 0), w - 1)]
        val c = at(0, 0)
        val gx = 0.5 * (at(0, 1) - at(0, -1)); val gy = 0.5 * (at(1, 0) - at(-1, 0))
        val hxx = 0.25 * (at(0, 2) - 2 * c + at(0, -2)); val hyy = 0.25 * (at(2, 0) - 2 * c + at(-2, 0))
        val hxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
        val det = hxx * hyy - hxy * hxy
        var ox = qx; var oy = qy
        if (abs(det) > 1e-12 && bx in 2..w - 3 && by in 2..h - 3 && hxx < 0 && hyy < 0) {
            val dx = -(hyy * gx - hxy * gy) / det
            val dy = -(-hxy * gx + hxx * gy) / det
            val towardsX = dx * qx >= 0 || abs(dx) < 0.05
            val towardsY = dy * qy >= 0 || abs(dy) < 0.05
            if (abs(dx) <= 0.5 && abs(dy) <= 0.5 && towardsX && towardsY) { ox = dx; oy = dy }
        }
        return Keypoint(toInput(bx + ox, w).toFloat(), toInput(by + oy, h).toFloat(), best.toFloat())
    }
}
