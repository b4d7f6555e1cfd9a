MODULE BenchSquaresTest;

	IMPORT StdLog, TextModels, BenchCheck, BenchSquares;

	CONST tab = 09X; ln = 0DX;

	(* What Squares(n) added to the log from its character `from` on (line ends are 0DX). *)
	PROCEDURE Logged (n, from: INTEGER; OUT s: ARRAY OF CHAR);
		VAR start, i: INTEGER; r: TextModels.Reader; ch: CHAR;
	BEGIN
		start := StdLog.text.Length();
		BenchSquares.Squares(n);
		r := StdLog.text.NewReader(NIL); r.SetPos(MIN(start + from, StdLog.text.Length())); i := 0;
		r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO s[i] := ch; INC(i); r.ReadChar(ch) END;
		s[i] := 0X
	END Logged;

	PROCEDURE Run*;
		VAR s: ARRAY 4096 OF CHAR;
	BEGIN
		Logged(2, 0, s); BenchCheck.Str(1, s, "  1" + tab + "     1" + ln + "  2" + tab + "     4" + ln);
		Logged(0, 0, s); BenchCheck.Str(2, s, "");
		Logged(-3, 0, s); BenchCheck.Str(3, s, "");
		Logged(1, 0, s); BenchCheck.Str(4, s, "  1" + tab + "     1" + ln);
		(* 99 lines of 11 characters, then the last one: both fields exactly full *)
		Logged(100, 99 * 11, s); BenchCheck.Str(5, s, "100" + tab + " 10000" + ln)
	END Run;

END BenchSquaresTest.
