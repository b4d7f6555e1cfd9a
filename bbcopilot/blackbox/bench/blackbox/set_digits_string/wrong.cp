MODULE BenchDigitSet;

	IMPORT Strings;

	(* Lists every element, "{1, 2, 3}": the ranges BlackBox writes are missed. *)
	PROCEDURE Digits* (n: INTEGER; OUT s: ARRAY OF CHAR);
		VAR digits: SET; i: INTEGER; first: BOOLEAN; d: ARRAY 4 OF CHAR;
	BEGIN
		n := ABS(n); digits := {};
		REPEAT INCL(digits, n MOD 10); n := n DIV 10 UNTIL n = 0;
		s := "{"; first := TRUE;
		FOR i := 0 TO 9 DO
			IF i IN digits THEN
				IF ~first THEN s := s + ", " END;
				Strings.IntToString(i, d); s := s + d; first := FALSE
			END
		END;
		s := s + "}"
	END Digits;

END BenchDigitSet.
