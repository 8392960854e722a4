# Per-login cost against the number of existing namespaces (bench/run).
set terminal pngcairo size 900,540 font "sans,11"
set output png
set datafile separator "\t"
set title "Cost of one login against namespaces already there"
set xlabel "namespaces already there (N)"
set ylabel "milliseconds per login (median, log scale)"
# Log on both axes: ip(8) is tens of times the others, which would
# otherwise lie flat along the bottom.
set logscale xy
set xrange [5:4000]
set yrange [0.5:200]
set key top left
set grid
plot tsv using 1:($2/1000) skip 1 with linespoints lw 2 title "pam (cold)", \
     tsv using 1:($3/1000) skip 1 with linespoints lw 2 title "pam (warm)", \
     tsv using 1:($4/1000) skip 1 with linespoints lw 2 title "ip(8) recipe", \
     tsv using 1:($5/1000) skip 1 with linespoints lw 2 title "floor"
