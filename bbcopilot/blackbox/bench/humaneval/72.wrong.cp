MODULE BenchHe72;

	PROCEDURE WillItFly* (IN q: ARRAY OF INTEGER; w: INTEGER): BOOLEAN;
		VAR i, n, sum: INTEGER;
	BEGIN
		n := LEN(q); sum := 0;
		FOR i := 0 TO n - 1 DO
			IF q[i] # q[n - 1 - i] THEN RETURN FALSE END;	(* unbalanced *)
			sum := sum + q[i]
		END;
		RETURN sum < w
	END WillItFly;

END BenchHe72.
