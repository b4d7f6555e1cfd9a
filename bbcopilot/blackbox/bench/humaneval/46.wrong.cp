MODULE BenchHe46;

	PROCEDURE Fib4* (n: INTEGER): INTEGER;
		VAR f: ARRAY 4 OF INTEGER; i, next: INTEGER;
	BEGIN
		f[0] := 0; f[1] := 0; f[2] := 2; f[3] := 0;
		IF n < 4 THEN RETURN f[n] END;
		FOR i := 4 TO n - 1 DO
			next := f[0] + f[1] + f[2] + f[3];
			f[0] := f[1]; f[1] := f[2]; f[2] := f[3]; f[3] := next
		END;
		RETURN f[3]
	END Fib4;

END BenchHe46.
