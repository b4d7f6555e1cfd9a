MODULE BenchSaturatingSum;

	IMPORT BenchTypes;

	(* Takes SHORT for a checked (saturating) conversion: it keeps the low 32 bits. *)
	PROCEDURE SaturatingSum* (a: BenchTypes.IntList): INTEGER;
		VAR i: INTEGER; sum: LONGINT;
	BEGIN
		sum := 0;
		FOR i := 0 TO LEN(a^) - 1 DO sum := sum + a[i] END;
		RETURN SHORT(sum)
	END SaturatingSum;

END BenchSaturatingSum.
