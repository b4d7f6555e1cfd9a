MODULE BenchDrawViewTest;
(* A port whose rider writes down what it is asked to draw, a frame on it, and a context giving the
	view its size: enough to call Restore without a window. *)

	IMPORT Fonts, Ports, Models, Views, Strings, BenchCheck, BenchDrawView;

	CONST mm = Ports.mm;

	TYPE
		Port = POINTER TO RECORD (Ports.Port) END;
		Rider = POINTER TO RECORD (Ports.Rider) base: Port END;
		Frame = POINTER TO RECORD (Views.Frame) END;
		Context = POINTER TO RECORD (Models.Context) w, h: INTEGER END;

	VAR drawn: ARRAY 1024 OF CHAR;

	PROCEDURE Note (IN what: ARRAY OF CHAR; IN n: ARRAY OF INTEGER; k: INTEGER);
		VAR i: INTEGER; s: ARRAY 16 OF CHAR;
	BEGIN
		drawn := drawn + what$;
		FOR i := 0 TO k - 1 DO Strings.IntToString(n[i], s); drawn := drawn + " " + s END;
		drawn := drawn + ";"
	END Note;

	PROCEDURE (p: Port) GetSize (OUT w, h: INTEGER); BEGIN w := 1000 * mm; h := 1000 * mm END GetSize;
	PROCEDURE (p: Port) SetSize (w, h: INTEGER); END SetSize;
	PROCEDURE (p: Port) NewRider (): Ports.Rider; VAR r: Rider; BEGIN NEW(r); r.base := p; RETURN r END NewRider;
	PROCEDURE (p: Port) OpenBuffer (l, t, r, b: INTEGER); END OpenBuffer;
	PROCEDURE (p: Port) CloseBuffer; END CloseBuffer;

	PROCEDURE (rd: Rider) SetRect (l, t, r, b: INTEGER); END SetRect;
	PROCEDURE (rd: Rider) GetRect (OUT l, t, r, b: INTEGER); BEGIN l := 0; t := 0; r := MAX(INTEGER); b := MAX(INTEGER) END GetRect;
	PROCEDURE (rd: Rider) Base (): Ports.Port; BEGIN RETURN rd.base END Base;
	PROCEDURE (rd: Rider) Move (dx, dy: INTEGER); END Move;
	PROCEDURE (rd: Rider) SaveRect (l, t, r, b: INTEGER; VAR res: INTEGER); BEGIN res := 1 END SaveRect;
	PROCEDURE (rd: Rider) RestoreRect (l, t, r, b: INTEGER; dispose: BOOLEAN); END RestoreRect;
	PROCEDURE (rd: Rider) DrawRect (l, t, r, b, s: INTEGER; col: Ports.Color);
		VAR n: ARRAY 6 OF INTEGER;
	BEGIN
		n[0] := l; n[1] := t; n[2] := r; n[3] := b; n[4] := s; n[5] := col; Note("rect", n, 6)
	END DrawRect;
	PROCEDURE (rd: Rider) DrawOval (l, t, r, b, s: INTEGER; col: Ports.Color);
		VAR n: ARRAY 6 OF INTEGER;
	BEGIN
		n[0] := l; n[1] := t; n[2] := r; n[3] := b; n[4] := s; n[5] := col; Note("oval", n, 6)
	END DrawOval;
	PROCEDURE (rd: Rider) DrawLine (x0, y0, x1, y1, s: INTEGER; col: Ports.Color);
		VAR n: ARRAY 6 OF INTEGER;
	BEGIN
		n[0] := x0; n[1] := y0; n[2] := x1; n[3] := y1; n[4] := s; n[5] := col; Note("line", n, 6)
	END DrawLine;
	PROCEDURE (rd: Rider) DrawPath (IN p: ARRAY OF Ports.Point; n, s: INTEGER; col: Ports.Color; path: INTEGER);
		VAR k: ARRAY 1 OF INTEGER;
	BEGIN
		k[0] := n; Note("path", k, 1)
	END DrawPath;
	PROCEDURE (rd: Rider) MarkRect (l, t, r, b, s, mode: INTEGER; show: BOOLEAN); END MarkRect;
	PROCEDURE (rd: Rider) Scroll (dx, dy: INTEGER); END Scroll;
	PROCEDURE (rd: Rider) SetCursor (cursor: INTEGER); END SetCursor;
	PROCEDURE (rd: Rider) Input (OUT x, y: INTEGER; OUT modifiers: SET; OUT isDown: BOOLEAN);
	BEGIN x := 0; y := 0; modifiers := {}; isDown := FALSE
	END Input;
	PROCEDURE (rd: Rider) DrawString (x, y: INTEGER; col: Ports.Color; IN s: ARRAY OF CHAR; font: Fonts.Font);
		VAR n: ARRAY 3 OF INTEGER;
	BEGIN
		n[0] := x; n[1] := y; n[2] := col; Note("string " + s, n, 3)
	END DrawString;
	PROCEDURE (rd: Rider) DrawSpace (x, y, w: INTEGER; col: Ports.Color; font: Fonts.Font); END DrawSpace;
	PROCEDURE (rd: Rider) CharIndex (x, pos: INTEGER; IN s: ARRAY OF CHAR; font: Fonts.Font): INTEGER;
	BEGIN RETURN 0
	END CharIndex;
	PROCEDURE (rd: Rider) CharPos (x, index: INTEGER; IN s: ARRAY OF CHAR; font: Fonts.Font): INTEGER;
	BEGIN RETURN x
	END CharPos;
	PROCEDURE (rd: Rider) DrawSString (x, y: INTEGER; col: Ports.Color; IN s: ARRAY OF SHORTCHAR; font: Fonts.Font);
		VAR n: ARRAY 3 OF INTEGER;
	BEGIN
		n[0] := x; n[1] := y; n[2] := col; Note("sstring " + s, n, 3)
	END DrawSString;
	PROCEDURE (rd: Rider) SCharIndex (x, pos: INTEGER; IN s: ARRAY OF SHORTCHAR; font: Fonts.Font): INTEGER;
	BEGIN RETURN 0
	END SCharIndex;
	PROCEDURE (rd: Rider) SCharPos (x, index: INTEGER; IN s: ARRAY OF SHORTCHAR; font: Fonts.Font): INTEGER;
	BEGIN RETURN x
	END SCharPos;

	PROCEDURE (c: Context) ThisModel (): Models.Model; BEGIN RETURN NIL END ThisModel;
	PROCEDURE (c: Context) Normalize (): BOOLEAN; BEGIN RETURN TRUE END Normalize;
	PROCEDURE (c: Context) GetSize (OUT w, h: INTEGER); BEGIN w := c.w; h := c.h END GetSize;

	(* What v, w by h, draws through a frame with the given unit when asked to restore (l, t, r, b). *)
	PROCEDURE Restored (v: Views.View; w, h, unit, l, t, r, b: INTEGER; OUT s: ARRAY OF CHAR);
		VAR p: Port; f: Frame; c: Context;
	BEGIN
		NEW(p); p.Init(unit, FALSE); NEW(f); f.ConnectTo(p);
		NEW(c); c.w := w; c.h := h; IF v.context = NIL THEN v.InitContext(c) END;
		drawn := ""; v.Restore(f, l, t, r, b); s := drawn$
	END Restored;

	PROCEDURE Run*;
		VAR v: BenchDrawView.View; s: ARRAY 1024 OF CHAR;
	BEGIN
		v := BenchDrawView.New("Hi", Ports.red);
		BenchCheck.True(1, (v # NIL) & (v.label = "Hi") & (v.color = Ports.red));
		Restored(v, 30 * mm, 10 * mm, 1, 0, 0, 30 * mm, 10 * mm, s);
		BenchCheck.Str(2, s, "rect 0 0 1080000 360000 -1 255;rect 0 0 1080000 360000 12700 0;string Hi 72000 288000 0;");
		Restored(v, 30 * mm, 10 * mm, 1, 10 * mm, 0, 20 * mm, 5 * mm, s);
		BenchCheck.Str(3, s, "rect 0 0 1080000 360000 -1 255;rect 0 0 1080000 360000 12700 0;string Hi 72000 288000 0;");
		Restored(BenchDrawView.New("", Ports.blue), 40 * mm, 20 * mm, mm DIV 4, 0, 0, 40 * mm, 20 * mm, s);
		BenchCheck.Str(4, s, "rect 0 0 160 80 -1 16711680;rect 0 0 160 80 1 0;string  8 72 0;");
		Restored(BenchDrawView.New("low", Ports.white), 20 * mm, 8 * mm, Ports.point, 0, 6 * mm, 20 * mm, 8 * mm, s);
		BenchCheck.Str(5, s, "rect 0 0 56 22 -1 16777215;rect 0 0 56 22 1 0;string low 5 17 0;")
	END Run;

END BenchDrawViewTest.
