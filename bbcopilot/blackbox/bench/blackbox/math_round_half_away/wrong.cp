MODULE BenchRoundTo;

	IMPORT Math;

	(* Math.Round rounds halves up (towards +infinity), not away from zero. *)
	PROCEDURE RoundTo* (x: REAL; digits: INTEGER): REAL;
		VAR f: REAL;
	BEGIN
		f := Math.IntPower(10, digits);
		RETURN Math.Round(x * f) / f
	END RoundTo;

END BenchRoundTo.
