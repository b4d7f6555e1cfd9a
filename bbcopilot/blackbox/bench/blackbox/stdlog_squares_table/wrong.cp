MODULE BenchSquares;

	IMPORT StdLog;

	(* StdLog.Int instead of IntForm: no field width, and Int writes a space before the number. *)
	PROCEDURE Squares* (n: INTEGER);
		VAR i: INTEGER;
	BEGIN
		FOR i := 1 TO n DO
			StdLog.Int(i); StdLog.Tab; StdLog.Int(i * i); StdLog.Ln
		END
	END Squares;

END BenchSquares.
